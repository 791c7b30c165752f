#include "tests/unit/gofer/test_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ringfence::gofer::testing {

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr ? base : "/tmp") + "/gofer_test.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp: " << strerror(errno);
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  nftw(
      path_.c_str(),
      [](const char* path, const struct stat*, int, struct FTW*) {
        remove(path);
        return 0;
      },
      64, FTW_DEPTH | FTW_PHYS);
}

void WriteFile(const std::string& path, const std::string& contents) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
  ASSERT_EQ(write(fd, contents.data(), contents.size()),
            static_cast<ssize_t>(contents.size()));
  close(fd);
}

std::string ReadFd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  return out;
}

void GoferTest::SetUp() {
  umask(0);  // the server's contract (RunGofer sets it in the real process)
  temp_ = std::make_unique<TempDir>();
  root_ = temp_->Path("root");
  outside_ = temp_->Path("outside");
  ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
  WriteFile(outside_ + "/secret", "outside secret");
  WriteFile(Host("file"), "hello gofer");
  ASSERT_EQ(mkdir(Host("dir").c_str(), 0755), 0);
  WriteFile(Host("dir/inner"), "inner");
  ASSERT_EQ(mkdir(Host("dir/sub").c_str(), 0700), 0);
  ASSERT_EQ(mkdir(Host("empty").c_str(), 0755), 0);
  ASSERT_EQ(symlink("/etc", Host("etc_link").c_str()), 0);
  ASSERT_EQ(symlink("../outside/secret", Host("escape").c_str()), 0);
  ASSERT_EQ(symlink(outside_.c_str(), Host("abs_outside").c_str()), 0);
  ASSERT_EQ(mkfifo(Host("fifo").c_str(), 0644), 0);
  StartServer();
}

void GoferTest::TearDown() {
  StopServer();
  temp_.reset();
}

void GoferTest::StartServer(ServerOptions options) {
  StopServer();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  client_socket_.reset(sv[0]);
  int root = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root, 0);
  server_thread_ = std::thread([this, server_fd = sv[1], root, options] {
    GoferServer server{UniqueFd(root), options};
    server_status_ = server.Serve(server_fd);
    close(server_fd);
  });
  client_ = std::make_unique<GoferClient>(client_socket_.get());
  absl::StatusOr<AttachReply> attach = client_->Attach();
  ASSERT_TRUE(attach.ok()) << attach.status();
  root_fid_ = attach->fid;
  EXPECT_TRUE(S_ISDIR(attach->stat.mode));
}

void GoferTest::StopServer() {
  client_.reset();
  // Hanging up ends Serve().
  client_socket_.reset();
  if (server_thread_.joinable()) {
    server_thread_.join();
    EXPECT_TRUE(server_status_.ok()) << server_status_;
  }
}

WalkReply GoferTest::MustWalk(std::initializer_list<std::string> names) {
  std::vector<std::string> v(names);
  absl::StatusOr<WalkReply> walk = client().Walk(root_fid_, v);
  EXPECT_TRUE(walk.ok()) << walk.status();
  return walk.ok() ? *walk : WalkReply{};
}

}  // namespace ringfence::gofer::testing
