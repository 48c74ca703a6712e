// CURVE key pairs for node authentication: generation, key files and validation (z85 text).
#pragma once

#include <string>
#include <utility>

namespace engine::transport {

/// A fresh CURVE key pair as z85 text {public, secret} (40 characters each).
/// Throws std::runtime_error when libzmq was built without CURVE.
std::pair<std::string, std::string> generate_curve_keypair();

/// The keygen command's work: generates a pair and writes the public key to public_path (mode
/// 0644) and the secret key to secret_path (mode 0600, created so, never readable by others
/// even briefly). Refuses to replace an existing file unless overwrite is set. Returns the
/// public key. Throws std::runtime_error naming the path on any error.
std::string write_key_files(const std::string& public_path, const std::string& secret_path,
                            bool overwrite = false);

/// Reads a key file written by write_key_files (or by hand): surrounding whitespace is
/// trimmed and the result must be a valid 40-character z85 key. Throws std::runtime_error
/// naming the path otherwise.
std::string read_key_file(const std::string& path);

/// True when key is 40 characters of valid z85 (a 32-byte CURVE key).
bool is_z85_key(const std::string& key);

/// The public key belonging to a z85 secret key; empty if the secret is not a valid key.
std::string public_key_of(const std::string& secret_key);

} // namespace engine::transport
