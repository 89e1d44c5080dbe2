#!/usr/bin/env python3
"""The threaded echo server the original Python course would write.

One thread per client; each thread reads at most 1,024 bytes at a time and
sends every byte back with sendall, until the client closes. It is the
baseline `bench/run` compares lab1_server_sol with (standard library only).

El servidor de eco con hilos que escribiría el curso original en Python: un
hilo por cliente, recv(1024) y sendall hasta que el cliente cierra.

    python3 bench/echo_server.py --port 6667
"""

import argparse
import socket
import sys
import threading


def handle_client(conn, addr):
    with conn:
        while True:
            try:
                data = conn.recv(1024)
            except OSError:
                # a reset ends this client, not the server
                break
            if not data:
                # recv() returned b"": the client closed its side
                break
            try:
                conn.sendall(data)
            except OSError:
                break


def main():
    parser = argparse.ArgumentParser(description="Threaded echo server (Python baseline).")
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

    while True:
        conn, addr = server.accept()
        threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
