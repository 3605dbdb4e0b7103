// Component http alone, from the installed package: a server on a free
// loopback port answers one real request over a socket. Exits 0 when the
// response carries the handler's status and body.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "autoheal/http_server.h"

int main() {
  autoheal::http::HttpServerOptions options;
  options.port = 0;  // any free port
  auto server = autoheal::http::HttpServer::Start(
      options, [](const autoheal::http::HttpRequest& request) {
        autoheal::http::HttpResponse response;
        response.status = request.path == "/healthz" ? 200 : 404;
        response.body = R"({"status":"ok"})";
        return response;
      });
  if (!server.ok()) {
    std::cerr << server.status() << "\n";
    return 1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons((*server)->port());
  if (fd < 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address))) {
    std::cerr << "cannot connect to port " << (*server)->port() << "\n";
    return 1;
  }
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    return 1;
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  (*server)->Stop();
  std::cout << response << "\n";
  bool ok = absl::StartsWith(response, "HTTP/1.1 200") &&
            absl::EndsWith(response, R"({"status":"ok"})");
  return ok ? 0 : 1;
}
