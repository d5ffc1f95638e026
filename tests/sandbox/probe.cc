// sandbox_probe: run inside the sandbox by the escape tests. Each probe attempts one action
// and prints OPEN if it succeeded, or the errno name if it failed, so the test can assert
// the exact failure. Some probes print a value instead (noted below).

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string errno_name(int e) {
  switch (e) {
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case ESRCH:
      return "ESRCH";
    case EBADF:
      return "EBADF";
    case EAGAIN:
      return "EAGAIN";
    case ENOMEM:
      return "ENOMEM";
    case EACCES:
      return "EACCES";
    case EBUSY:
      return "EBUSY";
    case EXDEV:
      return "EXDEV";
    case EINVAL:
      return "EINVAL";
    case ETXTBSY:
      return "ETXTBSY";
    case EFBIG:
      return "EFBIG";
    case ENOSPC:
      return "ENOSPC";
    case EROFS:
      return "EROFS";
    case ENOSYS:
      return "ENOSYS";
    case ENOTTY:
      return "ENOTTY";
    case EAFNOSUPPORT:
      return "EAFNOSUPPORT";
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case ENETUNREACH:
      return "ENETUNREACH";
    case ELOOP:
      return "ELOOP";
    default:
      return "errno" + std::to_string(e);
  }
}

// std::from_chars, whole string (the probe links nothing of Chitin: it must also run
// unsanitized in the asan build, under the sandbox's address-space limit).
long number(const char* text) {
  long value = 0;
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  return ec == std::errc() && ptr == end ? value : 0;
}
int port_of(const char* text) { return static_cast<int>(number(text)); }

int result(long rc) {
  std::printf("%s\n", rc >= 0 ? "OPEN" : errno_name(errno).c_str());
  return 0;
}

int connect_tcp(const char* ip, int port, int type) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return result(-1);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &address.sin_addr);
  if (type == SOCK_DGRAM) {
    return result(sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&address), sizeof(address)));
  }
  return result(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sandbox_probe PROBE [ARGS]\n");
    return 2;
  }
  const std::string_view probe = argv[1];
  const char* arg = argc > 2 ? argv[2] : "";
  if (probe == "read") {
    return result(open(arg, O_RDONLY | O_CLOEXEC));
  }
  if (probe == "write") {
    return result(open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  }
  if (probe == "rename") {
    return result(rename(arg, argv[3]));
  }
  if (probe == "memfd") {
    return result(static_cast<int>(syscall(SYS_memfd_create, "probe", 0U)));
  }
  if (probe == "connect") {
    return connect_tcp(arg, port_of(argv[3]), SOCK_STREAM);
  }
  if (probe == "udp") {
    return connect_tcp(arg, port_of(argv[3]), SOCK_DGRAM);
  }
  if (probe == "abstract") {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path + 1, arg, sizeof(address.sun_path) - 2);
    return result(
        connect(fd, reinterpret_cast<sockaddr*>(&address),
                static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + std::strlen(arg))));
  }
  if (probe == "http-get") {  // via the bridge: prints the response status line and body
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(3128);
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return result(-1);
    }
    const std::string request = std::string("GET ") + arg + " HTTP/1.1\r\nHost: x\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
      return result(-1);
    }
    std::string response;
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
      response.append(buffer, static_cast<std::size_t>(n));
    }
    const auto line_end = response.find("\r\n");
    const auto body = response.find("\r\n\r\n");
    std::printf("%s|%s\n", response.substr(0, line_end).c_str(),
                body == std::string::npos ? "" : response.substr(body + 4).c_str());
    return 0;
  }
  if (probe == "netlink") {
    return result(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0));
  }
  if (probe == "packet") {
    return result(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  }
  if (probe == "ptrace-init") {
    return result(ptrace(PTRACE_ATTACH, 1, nullptr, nullptr));
  }
  if (probe == "kill") {
    return result(kill(static_cast<pid_t>(number(arg)), 0));
  }
  if (probe == "unshare-user") {
    return result(unshare(CLONE_NEWUSER));
  }
  if (probe == "unshare-mount") {
    return result(unshare(CLONE_NEWNS));
  }
  if (probe == "mount") {
    return result(mount("tmpfs", "/tmp", "tmpfs", 0, nullptr));
  }
  if (probe == "keyctl") {
    return result(syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, nullptr));
  }
  if (probe == "bpf") {
    bpf_attr attr{};
    return result(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
  }
  if (probe == "io_uring") {
    char params[120] = {};
    return result(syscall(SYS_io_uring_setup, 1, params));
  }
  if (probe == "userfaultfd") {
    return result(syscall(SYS_userfaultfd, O_CLOEXEC));
  }
  if (probe == "perf") {
    perf_event_attr attr{};
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    return result(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  }
  if (probe == "tiocsti") {
    char c = 'x';
    return result(ioctl(0, TIOCSTI, &c));
  }
  if (probe == "fds") {  // prints the open fds other than the one listing them
    std::string out;
    for (int fd = 0; fd < 1024; ++fd) {
      if (fcntl(fd, F_GETFD) != -1) {
        out += (out.empty() ? "" : " ") + std::to_string(fd);
      }
    }
    std::printf("%s\n", out.c_str());
    return 0;
  }
  if (probe == "env") {  // prints the variable's value or UNSET
    const char* value = std::getenv(arg);
    std::printf("%s\n", value == nullptr ? "UNSET" : value);
    return 0;
  }
  if (probe == "fork-bomb") {  // prints how many children it could create (max 200)
    int created = 0;
    std::vector<pid_t> children;
    for (; created < 200; ++created) {
      const pid_t pid = fork();
      if (pid < 0) {
        std::printf("%d %s\n", created, errno_name(errno).c_str());
        break;
      }
      if (pid == 0) {
        pause();
        _exit(0);
      }
      children.push_back(pid);
    }
    if (created == 200) {
      std::printf("200 OPEN\n");
    }
    for (pid_t pid : children) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    return 0;
  }
  if (probe == "alloc") {  // tries to allocate and touch ARG MiB
    const std::size_t bytes = static_cast<std::size_t>(number(arg)) << 20;
    char* memory = static_cast<char*>(std::malloc(bytes));
    if (memory == nullptr) {
      return result(-1);
    }
    for (std::size_t i = 0; i < bytes; i += 4096) {
      memory[i] = 1;
    }
    return result(0);
  }
  if (probe == "fill") {  // writes ARG2 MiB to ARG1
    const int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return result(-1);
    }
    std::vector<char> block(1 << 20, 'x');
    const long mib = number(argv[3]);
    for (long i = 0; i < mib; ++i) {
      if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
        return result(-1);
      }
    }
    return result(0);
  }
  std::fprintf(stderr, "unknown probe %s\n", argv[1]);
  return 2;
}
