// Unit tests for src/process/program_path.h: how an action's argv[0] is
// found. Each test builds its own directory tree in a TempDir.

#include "process/program_path.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "subprocess.h"
#include "test_util.h"

namespace autoheal {
namespace internal {
namespace {

using ::autoheal::testutil::StatusIs;
using ::autoheal::testutil::TempDir;
using ::testing::Optional;

// Creates directory `path` with `mode` (exact, whatever the umask); returns
// `path`.
std::string MakeDir(const std::string& path, mode_t mode = 0755) {
  EXPECT_EQ(mkdir(path.c_str(), mode), 0) << path << ": " << strerror(errno);
  chmod(path.c_str(), mode);
  return path;
}

// Creates an empty file `path` with `mode` (exact); returns `path`.
std::string MakeFile(const std::string& path, mode_t mode) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
  if (fd >= 0) close(fd);
  chmod(path.c_str(), mode);
  return path;
}

// Returns `absolute` as a path relative to the current directory.
std::string RelativeToCwd(const std::string& absolute) {
  return std::filesystem::relative(absolute).string();
}

// --- IsExecutableFile ----------------------------------------------------------

TEST(IsExecutableFileTest, OnlyExecutableRegularFilesQualify) {
  TempDir tree;
  const std::string tool = MakeFile(tree.Path("tool"), 0755);
  const std::string data = MakeFile(tree.Path("data"), 0644);
  const std::string dir = MakeDir(tree.Path("dir"));
  const std::string link = tree.Path("link");
  ASSERT_EQ(symlink(tool.c_str(), link.c_str()), 0) << strerror(errno);

  EXPECT_TRUE(IsExecutableFile(tool));
  EXPECT_TRUE(IsExecutableFile(link));
  EXPECT_FALSE(IsExecutableFile(data));
  EXPECT_FALSE(IsExecutableFile(dir));
  EXPECT_FALSE(IsExecutableFile(tree.Path("missing")));
  EXPECT_FALSE(IsExecutableFile(""));
}

// --- FindInSearchPath ------------------------------------------------------------

TEST(FindInSearchPathTest, TheFirstDirectoryHoldingAnExecutableWins) {
  TempDir tree;
  const std::string first = MakeDir(tree.Path("first"));
  const std::string second = MakeDir(tree.Path("second"));
  MakeFile(first + "/tool", 0755);
  MakeFile(second + "/tool", 0755);
  EXPECT_THAT(FindInSearchPath("tool", absl::StrCat(first, ":", second)),
              Optional(first + "/tool"));
  EXPECT_THAT(FindInSearchPath("tool", absl::StrCat(second, ":", first)),
              Optional(second + "/tool"));
}

TEST(FindInSearchPathTest, NonExecutableFilesAndDirectoriesAreSkipped) {
  TempDir tree;
  const std::string data = MakeDir(tree.Path("data"));
  const std::string dirs = MakeDir(tree.Path("dirs"));
  const std::string bin = MakeDir(tree.Path("bin"));
  MakeFile(data + "/tool", 0644);
  MakeDir(dirs + "/tool", 0755);
  MakeFile(bin + "/tool", 0755);
  EXPECT_THAT(FindInSearchPath("tool", absl::StrJoin({data, dirs, bin}, ":")),
              Optional(bin + "/tool"));
}

TEST(FindInSearchPathTest, EmptyAndRelativeEntriesAreNeverSearched) {
  TempDir tree;
  const std::string bin = MakeDir(tree.Path("bin"));
  MakeFile(bin + "/tool", 0755);
  const std::string relative = RelativeToCwd(bin);
  ASSERT_FALSE(relative.empty());
  ASSERT_NE(relative[0], '/');
  ASSERT_TRUE(IsExecutableFile(relative + "/tool"));  // it is reachable

  EXPECT_EQ(FindInSearchPath("tool", relative), std::nullopt);
  EXPECT_EQ(FindInSearchPath("tool", absl::StrCat("./", relative)),
            std::nullopt);
  EXPECT_EQ(FindInSearchPath("tool", ""), std::nullopt);
  EXPECT_EQ(FindInSearchPath("tool", ":::"), std::nullopt);
  EXPECT_THAT(FindInSearchPath("tool", absl::StrCat("::", relative, ":", bin,
                                                    ":")),
              Optional(bin + "/tool"));
}

TEST(FindInSearchPathTest, AMissingProgramIsNotFound) {
  TempDir tree;
  const std::string bin = MakeDir(tree.Path("bin"));
  EXPECT_EQ(FindInSearchPath("tool", bin), std::nullopt);
  EXPECT_EQ(FindInSearchPath("tool", tree.Path("no-such-dir")), std::nullopt);
}

// --- ResolveProgram --------------------------------------------------------------

TEST(ResolveProgramTest, AnAbsolutePathIsReturnedUnchecked) {
  EXPECT_THAT(ResolveProgram("/nonexistent/autoheal-tool", ""),
              testutil::IsOk());
  EXPECT_EQ(*ResolveProgram("/nonexistent/autoheal-tool", ""),
            "/nonexistent/autoheal-tool");
}

TEST(ResolveProgramTest, ABareNameIsLookedUpInTheGivenPathOnly) {
  TempDir tree;
  const std::string bin = MakeDir(tree.Path("bin"));
  MakeFile(bin + "/autoheal-fix", 0755);
  absl::StatusOr<std::string> found =
      ResolveProgram("autoheal-fix", absl::StrCat("/nonexistent:", bin));
  ASSERT_THAT(found, testutil::IsOk());
  EXPECT_EQ(*found, bin + "/autoheal-fix");

  // The host's $PATH plays no part: "sh" is not in an empty PATH.
  EXPECT_THAT(ResolveProgram("sh", ""),
              StatusIs(absl::StatusCode::kNotFound,
                       "program \"sh\" not found in PATH \"\""));
  EXPECT_THAT(ResolveProgram("autoheal-fix", "/nonexistent"),
              StatusIs(absl::StatusCode::kNotFound,
                       "program \"autoheal-fix\" not found in PATH "
                       "\"/nonexistent\""));
}

TEST(ResolveProgramTest, EmptyAndRelativePathsWithASlashAreRejected) {
  EXPECT_THAT(ResolveProgram("", "/bin"),
              StatusIs(absl::StatusCode::kInvalidArgument, "argv[0] is empty"));
  for (absl::string_view program : {"bin/fix", "./fix", "../bin/fix"}) {
    EXPECT_THAT(ResolveProgram(std::string(program), "/bin"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("program \"", program,
                                      "\" is a relative path; use an absolute "
                                      "path or a bare name found in PATH")));
  }
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
