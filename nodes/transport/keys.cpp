// CURVE key generation, key files and z85 validation over libzmq's helpers.
#include "nodes/transport/keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace engine::transport {

namespace {

constexpr const char* z85_alphabet =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::runtime_error file_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Writes text + newline to a new file created with `mode` (O_EXCL unless overwrite), then
// forces the mode in case the file existed or the umask was stricter than intended.
void write_file(const std::string& path, const std::string& text, mode_t mode, bool overwrite) {
  int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (overwrite ? 0 : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0)
    throw file_error("cannot create key file", path);
  std::string line = text + "\n";
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) {
    auto err = file_error("cannot write key file", path);
    ::close(fd);
    throw err;
  }
  if (::close(fd) != 0)
    throw file_error("cannot close key file", path);
}

} // namespace

bool is_z85_key(const std::string& key) {
  if (key.size() != 40 || key.find_first_not_of(z85_alphabet) != std::string::npos)
    return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, key.c_str()) != nullptr;
}

std::string public_key_of(const std::string& secret_key) {
  if (!is_z85_key(secret_key))
    return {};
  char pub[41] = {};
  if (zmq_curve_public(pub, secret_key.c_str()) != 0)
    return {};
  return pub;
}

std::pair<std::string, std::string> generate_curve_keypair() {
  char pub[41] = {};
  char sec[41] = {};
  if (zmq_curve_keypair(pub, sec) != 0)
    throw std::runtime_error(std::string("cannot generate a CURVE key pair: ")
                             + zmq_strerror(zmq_errno()));
  return {pub, sec};
}

std::string write_key_files(const std::string& public_path, const std::string& secret_path,
                            bool overwrite) {
  auto [pub, sec] = generate_curve_keypair();
  // Secret first: a half-done run leaves no public key pointing at a missing secret.
  write_file(secret_path, sec, 0600, overwrite);
  write_file(public_path, pub, 0644, overwrite);
  return pub;
}

std::string read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw file_error("cannot open key file", path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  const char* space = " \t\r\n";
  auto first = key.find_first_not_of(space);
  auto last = key.find_last_not_of(space);
  key = first == std::string::npos ? std::string{} : key.substr(first, last - first + 1);
  if (!is_z85_key(key))
    throw std::runtime_error("key file " + path
                             + ": not a 40-character z85 CURVE key (generate one with keygen)");
  return key;
}

} // namespace engine::transport
