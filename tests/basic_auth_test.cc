#include "kce/basic_auth.h"

#include <gtest/gtest.h>

#include <string>

#include "support/bcrypt_hash.h"

namespace kce {
namespace {

using testing::MakeBcryptHash;

// A published bcrypt test vector (crypt_blowfish): password "U*U", cost 5.
constexpr const char* kVectorHash = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

// "Basic " + base64(text), encoded here so the tests do not depend on the decoder under test.
std::string BasicHeader(const std::string& text) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    unsigned chunk = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) chunk |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) chunk |= static_cast<unsigned char>(text[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < text.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < text.size() ? kAlphabet[chunk & 63] : '=';
  }
  return "Basic " + out;
}

TEST(BasicAuthTest, RecognisesBcryptHashes) {
  EXPECT_TRUE(IsBcryptHash(kVectorHash));
  EXPECT_TRUE(IsBcryptHash(MakeBcryptHash("x", "$2b$")));
  EXPECT_TRUE(IsBcryptHash(MakeBcryptHash("x", "$2y$")));
  EXPECT_FALSE(IsBcryptHash(""));
  EXPECT_FALSE(IsBcryptHash("secret"));
  std::string hash = kVectorHash;
  EXPECT_FALSE(IsBcryptHash(hash.substr(0, 59)));
  EXPECT_FALSE(IsBcryptHash("$2x" + hash.substr(3)));       // the buggy-variant prefix
  EXPECT_FALSE(IsBcryptHash("$2a$03" + hash.substr(6)));    // cost below 4
  EXPECT_FALSE(IsBcryptHash("$2a$32" + hash.substr(6)));    // cost above 31
  EXPECT_FALSE(IsBcryptHash(hash.substr(0, 59) + "!"));     // outside bcrypt's alphabet
  EXPECT_FALSE(IsBcryptHash("$6$salt$" + hash.substr(8)));  // SHA-512 crypt
}

TEST(BasicAuthTest, MatchesAPublishedVectorAndFreshHashes) {
  EXPECT_TRUE(BcryptMatches("U*U", kVectorHash));
  EXPECT_FALSE(BcryptMatches("U*V", kVectorHash));
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    const std::string hash = MakeBcryptHash("correct horse", prefix);
    EXPECT_TRUE(BcryptMatches("correct horse", hash)) << prefix;
    EXPECT_FALSE(BcryptMatches("correct horsE", hash)) << prefix;
    EXPECT_FALSE(BcryptMatches("", hash)) << prefix;
  }
}

TEST(BasicAuthTest, RefusesAPasswordWithANulByte) {
  const std::string hash = MakeBcryptHash("abc");
  ASSERT_TRUE(BcryptMatches("abc", hash));
  // crypt would read "abc\0xyz" as "abc"; it must not pass.
  EXPECT_FALSE(BcryptMatches(std::string("abc\0xyz", 7), hash));
}

TEST(BasicAuthTest, ParsesAuthorizationHeaders) {
  auto parsed = ParseBasicAuthorization(BasicHeader("alice:s3cr:et"));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->user, "alice");
  EXPECT_EQ(parsed->password, "s3cr:et");

  parsed = ParseBasicAuthorization("bAsIc   " + BasicHeader("bob:").substr(6) + "  ");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->user, "bob");
  EXPECT_EQ(parsed->password, "");

  EXPECT_FALSE(ParseBasicAuthorization("").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Bearer " + BasicHeader("a:b").substr(6)).has_value());
  EXPECT_FALSE(ParseBasicAuthorization(BasicHeader("no colon")).has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic YWxp*2U6eA==").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("BasicYWxpY2U6eA==").has_value());
}

class FakeClock {
 public:
  BasicAuthenticator::Clock::time_point now{};
  std::function<BasicAuthenticator::Clock::time_point()> Function() {
    return [this] { return now; };
  }
};

TEST(BasicAuthTest, AuthorizesOnlyTheRightPasswordOfAKnownUser) {
  BasicAuthenticator auth(
      {{"alice", MakeBcryptHash("wonderland")}, {"bob", MakeBcryptHash("builder", "$2y$")}});
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.Authorize(BasicHeader("alice:wonderland")));
  EXPECT_TRUE(auth.Authorize(BasicHeader("bob:builder")));
  EXPECT_FALSE(auth.Authorize(BasicHeader("alice:builder")));
  EXPECT_FALSE(auth.Authorize(BasicHeader("carol:wonderland")));
  EXPECT_FALSE(auth.Authorize(BasicHeader("ALICE:wonderland")));
  EXPECT_FALSE(auth.Authorize(""));
  EXPECT_FALSE(auth.Authorize("Basic !!!"));
}

TEST(BasicAuthTest, WithoutUsersEverythingPasses) {
  BasicAuthenticator auth({});
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Authorize(""));
  EXPECT_EQ(auth.bcrypt_runs(), 0u);
}

TEST(BasicAuthTest, UnknownUsersStillPayOneBcryptRun) {
  BasicAuthenticator auth({{"alice", MakeBcryptHash("wonderland")}});
  EXPECT_FALSE(auth.Authorize(BasicHeader("mallory:wonderland")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u);
}

TEST(BasicAuthTest, CachesSuccessesOnlyAndForgetsThemAfterTheirTime) {
  FakeClock clock;
  BasicAuthenticator auth({{"alice", MakeBcryptHash("wonderland")}}, std::chrono::seconds(60), 8,
                          clock.Function());
  ASSERT_TRUE(auth.Authorize(BasicHeader("alice:wonderland")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u);
  ASSERT_TRUE(auth.Authorize(BasicHeader("alice:wonderland")));
  EXPECT_EQ(auth.bcrypt_runs(), 1u) << "a remembered success must skip bcrypt";

  EXPECT_FALSE(auth.Authorize(BasicHeader("alice:guess")));
  EXPECT_FALSE(auth.Authorize(BasicHeader("alice:guess")));
  EXPECT_EQ(auth.bcrypt_runs(), 3u) << "failures are never cached";

  clock.now += std::chrono::seconds(61);
  ASSERT_TRUE(auth.Authorize(BasicHeader("alice:wonderland")));
  EXPECT_EQ(auth.bcrypt_runs(), 4u) << "an expired success must be checked again";
}

TEST(BasicAuthTest, CacheKeepsAtMostItsCapacity) {
  FakeClock clock;
  std::map<std::string, std::string> users;
  for (int i = 0; i < 3; ++i) users["user" + std::to_string(i)] = MakeBcryptHash("pw");
  BasicAuthenticator auth(users, std::chrono::seconds(60), 2, clock.Function());
  for (int i = 0; i < 3; ++i) {
    clock.now += std::chrono::seconds(1);
    ASSERT_TRUE(auth.Authorize(BasicHeader("user" + std::to_string(i) + ":pw")));
  }
  ASSERT_EQ(auth.bcrypt_runs(), 3u);
  // user0 was the oldest entry and had to make room for user2.
  ASSERT_TRUE(auth.Authorize(BasicHeader("user2:pw")));
  EXPECT_EQ(auth.bcrypt_runs(), 3u);
  ASSERT_TRUE(auth.Authorize(BasicHeader("user0:pw")));
  EXPECT_EQ(auth.bcrypt_runs(), 4u);
}

}  // namespace
}  // namespace kce
