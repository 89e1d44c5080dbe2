# cliente.py, del curso original, con el arreglo de una línea: cada mensaje
# se envía con su salto de línea, mensaje + "\n", porque input() lo quita y
# los labs de Rust (como cualquier protocolo de líneas) lo esperan. Todo lo
# demás es igual, también lo que el curso hacía mal (ver docs/es/lab3.md).
#
# The original course's chat client with the one-line fix: each message is
# sent with its newline, which input() drops.
#
#     python3 bench/course/cliente_arreglado.py [PUERTO]
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
        conn.send((mensaje + "\n").encode())
        if mensaje == "adios":
            break

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", PUERTO))
threading.Thread(target=recibir, args=(s,)).start()
threading.Thread(target=enviar, args=(s,)).start()
while True:
    pass
