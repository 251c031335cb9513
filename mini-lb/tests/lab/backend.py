# The lab's app as the network tests need it: an HTTP server on [::]:80 (IPv4 too) answering every GET
# with the name of the node it runs on, and closing the connection, so each request is a new connection.
import http.server
import socket
import sys

NAME = sys.argv[1].encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(NAME)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(NAME)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


print("backend ready", flush=True)
Server(("::", 80), Handler).serve_forever()
