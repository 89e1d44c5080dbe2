#!/usr/bin/env python3
"""The threaded chat room the original Python course would write.

One thread per client. A client's line goes to every other client as
`[IP:PORT] text`, with `* IP:PORT joined` / `* IP:PORT left` notices, the
goodbye word `adios`, lines typed on the server's stdin relayed as
`[server] text`, and lines longer than 64 KiB refused: the same protocol as
lab4_server_sol, so the same load tool drives both. As a course would, it
relays under one lock and sends with sendall while holding it: one slow
client makes every other sender wait. It is the baseline `bench/run`
compares lab4_server_sol with (standard library only).

La sala de chat con hilos que escribiría el curso original en Python: un
hilo por cliente, y el reenvío a todos bajo un único cerrojo, con sendall
mientras se tiene el cerrojo.

    python3 bench/room_server.py --port 6667
"""

import argparse
import socket
import sys
import threading

MAX_LINE = 64 * 1024
GOODBYE = ("adios", "adiós")

clients = {}  # socket -> "IP:PORT"
lock = threading.Lock()


def broadcast(text, sender=None):
    """Sends one line to every client but the sender, under the lock."""
    data = (text + "\n").encode()
    with lock:
        for conn in list(clients):
            if conn is sender:
                continue
            try:
                conn.sendall(data)
            except OSError:
                # that client is gone: its own thread will notice and clean up
                pass


def handle_client(conn, addr):
    name = f"{addr[0]}:{addr[1]}"
    print(f"{name} connected", file=sys.stderr, flush=True)
    broadcast(f"* {name} joined")
    with lock:
        clients[conn] = name
    buffer = b""
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                text = raw.decode("utf-8", errors="replace").removesuffix("\r")
                if text.strip().lower() in GOODBYE:
                    conn.sendall(b"adios\n")
                    return
                print(f"[{name}] {text}")
                broadcast(f"[{name}] {text}", sender=conn)
            if len(buffer) > MAX_LINE:
                conn.sendall(b"error: line too long\n")
                return
    except OSError:
        pass
    finally:
        with lock:
            clients.pop(conn, None)
        conn.close()
        broadcast(f"* {name} left")
        print(f"{name} left", file=sys.stderr, flush=True)


def read_keyboard(server):
    """Relays the server's stdin; the goodbye word shuts the room down."""
    while True:
        try:
            text = input()
        except EOFError:
            # no terminal: the room keeps running
            return
        if text.strip().lower() in GOODBYE:
            break
        print(f"[server] {text}")
        broadcast(f"[server] {text}")
    broadcast("adios")
    with lock:
        for conn in list(clients):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    # shutdown() wakes the accept() in main (close() alone would not, on Linux)
    try:
        server.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    server.close()


def main():
    parser = argparse.ArgumentParser(description="Threaded chat room (Python baseline).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6667)
    args = parser.parse_args()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.bind((args.host, args.port))
    except OSError as e:
        print(f"error: could not listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        sys.exit(1)
    server.listen()
    host, port = server.getsockname()
    print(f"listening on {host}:{port}", file=sys.stderr, flush=True)

    threading.Thread(target=read_keyboard, args=(server,), daemon=True).start()
    threads = []
    while True:
        try:
            conn, addr = server.accept()
        except OSError:
            # the keyboard thread closed the listening socket: shut down
            break
        thread = threading.Thread(target=handle_client, args=(conn, addr), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
