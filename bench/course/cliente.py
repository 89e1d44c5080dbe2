# El cliente del chat del curso original de sockets en Python, tal como
# era: un hilo recibe, otro envía lo que escribes, y "adios" termina. El kit
# lo guarda para probar los labs de Rust contra él (.ci/python-peers) y para
# mostrar en las guías qué pasa: input() quita el salto de línea, y los labs
# esperan líneas que terminan en "\n". El arreglo es una línea: ver
# cliente_arreglado.py.
#
# The original course's chat client, as it was. The kit's one addition: the
# port may come on the command line (the course always used 6667).
#
#     python3 bench/course/cliente.py [PUERTO]
import socket, sys, threading

PUERTO = int(sys.argv[1]) if len(sys.argv) > 1 else 6667

def recibir(conn):
    while True:
        datos = conn.recv(1024).decode()
        print(datos)
        if datos == "adios":
            break

def enviar(conn):
    while True:
        mensaje = input()
        conn.send(mensaje.encode())
        if mensaje == "adios":
            break

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", PUERTO))
threading.Thread(target=recibir, args=(s,)).start()
threading.Thread(target=enviar, args=(s,)).start()
while True:
    pass
