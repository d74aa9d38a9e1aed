#pragma once

#include <string>

namespace kce::testing {

/// A fresh bcrypt hash of `password` made with libcrypt: `prefix` is "$2b$", "$2y$" or "$2a$";
/// cost 4 (the lowest) keeps tests fast. Throws std::runtime_error when libcrypt fails.
std::string MakeBcryptHash(const std::string& password, const char* prefix = "$2b$", int cost = 4);

}  // namespace kce::testing
