#!/usr/bin/env python3
"""TCP relay into a network namespace, for the partition tests (HedgingIT).

usage: netns-relay.py NETNS ADDR PORT TARGET_PORT

Listens on ADDR:PORT inside the network namespace NETNS (/run/netns/NETNS) and
forwards each connection to 127.0.0.1:TARGET_PORT in the namespace it was
started in. So a Keystone site on loopback is reachable from the host only
through the namespace and its veth pair, and a blackhole route (or a link set
down) in the namespace partitions it: connection attempts and answers vanish
instead of being refused. Only the listening socket lives in NETNS (setns on
the main thread, then back); every other socket is made at home. Prints
"ready" once listening; runs until killed (SIGTERM).
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if LIBC.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


def pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
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


def serve(client, target_port):
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    netns, addr, port, target_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + netns, os.O_RDONLY)
    setns(there)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((addr, port))
    server.listen(256)
    setns(home)
    os.close(there)
    os.close(home)
    print("ready", flush=True)
    while True:
        client, _ = server.accept()
        serve(client, target_port)


if __name__ == "__main__":
    main()
