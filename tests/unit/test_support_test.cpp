// tests/unit/test_support_test.cpp: the test support library's own promises.
// Contract: make_temp_dir's folders disappear, contents included, when the process that made
// them exits normally (a suite run leaves nothing under $TMPDIR); checked in a child process
// (gtest's threadsafe death-test style re-executes this binary, so the child owns its folders).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "support/test_paths.h"

namespace {

std::string marker_for(pid_t parent) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr ? tmp : "/tmp") + "/lightbert-exitcheck-" +
         std::to_string(parent);
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST(TestSupport, TempDirsAreRemovedWhenTheProcessExits) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string marker = marker_for(getpid());
  ::unlink(marker.c_str());
  EXPECT_EXIT(
      {
        const std::string dir = lightbert::testing::make_temp_dir("exitcheck-dir");
        lightbert::testing::write_file(dir + "/content.bin", "x");
        lightbert::testing::write_file(marker_for(getppid()), dir);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  ASSERT_TRUE(exists(marker)) << "the child did not report its folder";
  const std::string dir = lightbert::testing::read_file(marker);
  ::unlink(marker.c_str());
  ASSERT_FALSE(dir.empty());
  EXPECT_FALSE(exists(dir)) << dir << " outlived the process that made it";
}

TEST(TestSupport, TempDirsAreFreshAndWritable) {
  const std::string a = lightbert::testing::make_temp_dir("fresh");
  const std::string b = lightbert::testing::make_temp_dir("fresh");
  EXPECT_NE(a, b);
  lightbert::testing::write_file(a + "/f", "abc");
  EXPECT_EQ(lightbert::testing::read_file(a + "/f"), "abc");
}
