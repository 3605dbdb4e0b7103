// Unit tests for src/process/program_path.h: how an action's argv[0] is
// found. Each test builds its own directory tree of files under /tmp.

#include "process/program_path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace internal {
namespace {

using ::autoheal::testutil::StatusIs;
using ::testing::Optional;

// A private directory tree under /tmp, removed at the end.
class Tree {
 public:
  Tree() {
    char pattern[] = "/tmp/autoheal_program_path_test_XXXXXX";
    const char* made = mkdtemp(pattern);
    EXPECT_NE(made, nullptr) << "mkdtemp: " << strerror(errno);
    root_ = made == nullptr ? "" : made;
  }
  ~Tree() {
    std::error_code ignored;
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }

  // Returns the absolute path of `relative`.
  std::string Path(absl::string_view relative) const {
    return absl::StrCat(root_, "/", relative);
  }
  // Creates directory `relative` (and its parents); returns its path.
  std::string Dir(absl::string_view relative, mode_t mode = 0755) const {
    const std::string path = Path(relative);
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    EXPECT_FALSE(ec) << path << ": " << ec.message();
    chmod(path.c_str(), mode);
    return path;
  }
  // Creates file `relative` with `mode`; returns its path.
  std::string File(absl::string_view relative, mode_t mode) const {
    const std::string path = Path(relative);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        mode);
    EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
    if (fd >= 0) close(fd);
    chmod(path.c_str(), mode);  // exact, whatever the umask
    return path;
  }

 private:
  std::string root_;
};

// Returns `absolute` as a path relative to the current directory.
std::string RelativeToCwd(const std::string& absolute) {
  return std::filesystem::relative(absolute).string();
}

// --- IsExecutableFile ----------------------------------------------------------

TEST(IsExecutableFileTest, OnlyExecutableRegularFilesQualify) {
  Tree tree;
  const std::string tool = tree.File("tool", 0755);
  const std::string data = tree.File("data", 0644);
  const std::string dir = tree.Dir("dir", 0755);
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
  Tree tree;
  const std::string first = tree.Dir("first");
  const std::string second = tree.Dir("second");
  tree.File("first/tool", 0755);
  tree.File("second/tool", 0755);
  EXPECT_THAT(FindInSearchPath("tool", absl::StrCat(first, ":", second)),
              Optional(first + "/tool"));
  EXPECT_THAT(FindInSearchPath("tool", absl::StrCat(second, ":", first)),
              Optional(second + "/tool"));
}

TEST(FindInSearchPathTest, NonExecutableFilesAndDirectoriesAreSkipped) {
  Tree tree;
  const std::string data = tree.Dir("data");
  const std::string dirs = tree.Dir("dirs");
  const std::string bin = tree.Dir("bin");
  tree.File("data/tool", 0644);
  tree.Dir("dirs/tool", 0755);
  tree.File("bin/tool", 0755);
  EXPECT_THAT(FindInSearchPath("tool", absl::StrJoin({data, dirs, bin}, ":")),
              Optional(bin + "/tool"));
}

TEST(FindInSearchPathTest, EmptyAndRelativeEntriesAreNeverSearched) {
  Tree tree;
  const std::string bin = tree.Dir("bin");
  tree.File("bin/tool", 0755);
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
  Tree tree;
  const std::string bin = tree.Dir("bin");
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
  Tree tree;
  const std::string bin = tree.Dir("bin");
  tree.File("bin/autoheal-fix", 0755);
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
