#include "support/bcrypt_hash.h"

#include <crypt.h>

#include <memory>
#include <stdexcept>

namespace kce::testing {

std::string MakeBcryptHash(const std::string& password, const char* prefix, int cost) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof(setting)) == nullptr) {
    throw std::runtime_error(std::string("crypt_gensalt_rn failed for ") + prefix);
  }
  auto data = std::make_unique<crypt_data>();
  const char* hash = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (hash == nullptr || hash[0] == '*') {
    throw std::runtime_error(std::string("crypt_rn failed for ") + prefix);
  }
  return hash;
}

}  // namespace kce::testing
