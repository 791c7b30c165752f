// Shared helpers for the Gofer unit tests: a temporary directory tree and a
// GoferServer serving it over a socketpair from a thread.
#ifndef RINGFENCE_TESTS_UNIT_GOFER_TEST_UTIL_H_
#define RINGFENCE_TESTS_UNIT_GOFER_TEST_UTIL_H_

#include <memory>
#include <string>
#include <thread>

#include "gofer/client.h"
#include "gofer/server.h"
#include "gofer/unique_fd.h"
#include "gtest/gtest.h"

namespace ringfence::gofer::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Path(const std::string& relative) const {
    return path_ + "/" + relative;
  }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFd(int fd);

// Starts a GoferServer on `root` (a subdirectory of a TempDir) in a thread;
// tests talk to it through client().
class GoferTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // (Re)starts the server with `options`; attaches and sets root_fid_.
  void StartServer(ServerOptions options = {});
  void StopServer();
  GoferClient& client() { return *client_; }
  int client_socket() const { return client_socket_.get(); }
  // A host path under the served root.
  std::string Host(const std::string& relative) const {
    return root_ + "/" + relative;
  }
  // Walks `names` from the root and expects success.
  WalkReply MustWalk(std::initializer_list<std::string> names);

  std::unique_ptr<TempDir> temp_;
  std::string root_;     // temp_/root: what the server serves
  std::string outside_;  // temp_/outside: must never be reachable
  Fid root_fid_ = kNoFid;
  UniqueFd client_socket_;
  std::unique_ptr<GoferClient> client_;
  std::thread server_thread_;
  absl::Status server_status_;
};

}  // namespace ringfence::gofer::testing

#endif  // RINGFENCE_TESTS_UNIT_GOFER_TEST_UTIL_H_
