#!/usr/bin/env python3
"""A TCP relay that can make a Keystone site slow, for the demo (scripts/demo.sh).

usage: slow-relay.py LISTEN_PORT TARGET_PORT DELAY_FILE

Listens on 127.0.0.1:LISTEN_PORT and forwards each connection to
127.0.0.1:TARGET_PORT. Before it passes on each piece of an answer, it waits
the number of seconds written in DELAY_FILE (read at that moment; a missing,
empty or unreadable file means no delay), so the demo slows the site down and
heals it by writing one number. A target that refuses the connection closes
the client's. Prints "ready" once listening; runs until killed (SIGTERM).
Loopback only.
"""
import socket
import sys
import threading
import time


def delay(path):
    try:
        with open(path) as f:
            return max(0.0, min(float(f.read().strip() or 0), 60.0))
    except (OSError, ValueError):
        return 0.0


def pump(source, sink, delay_file):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if delay_file:
                wait = delay(delay_file)
                if wait:
                    time.sleep(wait)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def serve(client, target_port, delay_file):
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, None), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, delay_file), daemon=True).start()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    listen_port, target_port, delay_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(128)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        serve(client, target_port, delay_file)


if __name__ == "__main__":
    main()
