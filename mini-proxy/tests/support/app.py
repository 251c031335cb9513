#!/usr/bin/env python3
"""The apps behind mini-proxy's mesh tests, run inside a test pod's network namespace.

  app.py http PORT NAME     HTTP/1.1 server answering with what it received, as JSON, plus
                            /status/N, /chunked, /slow/MS, /upgrade (101, then echo), /grpc/N and
                            /close (answers, then closes the connection without saying so)
  app.py echo PORT          TCP echo; the client's half-close is passed back as a half-close
  app.py banner PORT TEXT   TCP server that speaks first (TEXT and a newline), then echoes

Each prints "listening PORT" once it accepts connections.
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "app"
    sys_version = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.respond()

    do_POST = do_PUT = do_HEAD = do_DELETE = do_GET

    def body_in(self):
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def respond(self):
        received = self.body_in()
        path = self.path
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            self.send_response(code)
            if code not in (204, 304):
                self.send_header("content-length", "0")
            self.end_headers()
            return
        if path == "/close":
            # Answers as if the connection stayed open, then closes it: a keep-alive connection the
            # server drops between requests.
            self.close_connection = True
        if path.startswith("/slow/"):
            time.sleep(int(path.split("/")[2]) / 1000)
        if path == "/chunked":
            self.send_response(200)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for part in (b"first,", b"second,", b"third"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/upgrade":
            self.send_response(101)
            self.send_header("connection", "upgrade")
            self.send_header("upgrade", self.headers.get("upgrade", "echo"))
            self.end_headers()
            self.wfile.flush()
            echo(self.connection)
            self.close_connection = True
            return
        if path.startswith("/grpc/"):
            self.send_response(200)
            self.send_header("content-type", "application/grpc")
            self.send_header("grpc-status", path.split("/")[2])
            self.send_header("content-length", "0")
            self.end_headers()
            return
        body = json.dumps({
            "server": sys.argv[3],
            "method": self.command,
            "path": path,
            "version": self.request_version,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": received.decode("utf-8", "replace"),
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def echo(conn):
    while True:
        data = conn.recv(65536)
        if not data:
            conn.shutdown(socket.SHUT_WR)
            return
        conn.sendall(data)


def serve_tcp(port, banner):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(1024)
    print(f"listening {port}", flush=True)

    def handle(conn):
        with conn:
            if banner is not None:
                conn.sendall(banner.encode() + b"\n")
            try:
                echo(conn)
            except OSError:
                pass

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "http":
        ThreadingHTTPServer.daemon_threads = True
        ThreadingHTTPServer.request_queue_size = 1024
        server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
        print(f"listening {port}", flush=True)
        server.serve_forever()
    elif mode == "echo":
        serve_tcp(port, None)
    elif mode == "banner":
        serve_tcp(port, sys.argv[3])
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
