// AtomicOutput: the target appears only by commit(), complete; a failure before it leaves nothing
// behind; concurrent writers of one target never share a temporary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "phasis/core/error.hpp"
#include "phasis/io/atomic_output.hpp"
#include "testing.hpp"

using namespace phasis;
using phasis::testing::count_lines;
using phasis::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  ASSERT_TRUE(f.good()) << path;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int entries(const fs::path& folder) {
  int n = 0;
  for (auto it = fs::directory_iterator(folder); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

}  // namespace

TEST(AtomicOutput, CommitRenamesTheTemporaryOntoTheTarget) {
  TempDir dir;
  const std::string target = dir.file("out.h5");
  AtomicOutput out(target);
  EXPECT_EQ(out.path(), target);
  EXPECT_EQ(fs::path(out.temp_path()).parent_path(), dir.path());    // same folder: the rename is atomic
  EXPECT_EQ(fs::path(out.temp_path()).filename().string()[0], '.');  // hidden
  write_text(out.temp_path(), "complete");
  EXPECT_FALSE(fs::exists(target));  // nothing under the target's name before commit
  out.commit();
  EXPECT_EQ(read_text(target), "complete");
  EXPECT_FALSE(fs::exists(out.temp_path()));
  EXPECT_EQ(entries(dir.path()), 1);
}

TEST(AtomicOutput, CommitReplacesAnOlderTarget) {
  TempDir dir;
  const std::string target = dir.file("out.png");
  write_text(target, "old");
  AtomicOutput out(target);
  write_text(out.temp_path(), "new");
  out.commit();
  EXPECT_EQ(read_text(target), "new");
  EXPECT_EQ(entries(dir.path()), 1);
}

TEST(AtomicOutput, FailureBeforeCommitLeavesNeitherTemporaryNorTarget) {
  TempDir dir;
  const std::string target = dir.file("out.h5");
  std::string temp;
  try {
    AtomicOutput out(target);
    temp = out.temp_path();
    write_text(temp, "half");
    throw std::runtime_error("writer failed");
  } catch (const std::runtime_error&) {
  }
  ASSERT_FALSE(temp.empty());
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(entries(dir.path()), 0);
}

TEST(AtomicOutput, FailureBeforeCommitKeepsAnOlderTarget) {
  TempDir dir;
  const std::string target = dir.file("out.cxi");
  write_text(target, "old");
  {
    AtomicOutput out(target);
    write_text(out.temp_path(), "half");
  }  // not committed
  EXPECT_EQ(read_text(target), "old");
  EXPECT_EQ(entries(dir.path()), 1);
}

TEST(AtomicOutput, TwoWritersOfOneTargetGetDifferentTemporaries) {
  TempDir dir;
  const std::string target = dir.file("out.h5");
  AtomicOutput a(target), b(target);
  EXPECT_NE(a.temp_path(), b.temp_path());
  write_text(a.temp_path(), "a");
  write_text(b.temp_path(), "b");
  a.commit();
  EXPECT_EQ(read_text(target), "a");
  EXPECT_EQ(read_text(b.temp_path()), "b");  // a's commit did not touch b's work
  b.commit();
  EXPECT_EQ(read_text(target), "b");
  EXPECT_EQ(entries(dir.path()), 1);
}

TEST(AtomicOutput, TargetInAMissingFolderIsAnInputError) {
  TempDir dir;
  const std::string target = dir.file("missing/out.h5");
  try {
    AtomicOutput out(target);
    FAIL() << "no InputError for " << target;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(count_lines(what), 1) << what;
    EXPECT_NE(what.find(target), std::string::npos) << what;
    EXPECT_NE(what.find("expected an existing folder"), std::string::npos) << what;
  }
  EXPECT_EQ(entries(dir.path()), 0);
}

TEST(AtomicOutput, CommitWithNothingWrittenIsAnInputError) {
  TempDir dir;
  const std::string target = dir.file("out.h5");
  AtomicOutput out(target);
  EXPECT_THROW(out.commit(), InputError);
  EXPECT_FALSE(fs::exists(target));
}
