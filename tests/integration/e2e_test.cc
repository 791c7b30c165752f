// Issue 4's end-to-end cases: Debian's own shell, Python, gcc and make in the
// sandbox, each checked for output and exit status (and, where the output is
// deterministic, compared with the same command run on the host).
// Natively (RINGFENCE_TEST_NATIVE=1) every run is on the host.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/sandbox_runner.h"

namespace ringfence::testing {
namespace {

constexpr int kTimeoutSeconds = 600;

// A project directory on the host, served read-write at kGuestDir.
constexpr char kGuestDir[] = "/tmp/work";

class EndToEndTest : public ::testing::Test {
 protected:
  std::string GuestDir() const { return SandboxRun::Native() ? dir_.path() : kGuestDir; }

  SandboxRun Sandboxed(const std::string& program, const std::vector<std::string>& args) {
    SandboxRun run(program, args);
    run.Flag("--volume=" + dir_.path() + ":" + kGuestDir)
        .Env("LC_ALL", "C")
        .Env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .TimeoutSeconds(kTimeoutSeconds);
    return run;
  }

  RunResult Shell(const std::string& script) {
    return Sandboxed("/bin/sh", {"-c", script}).Run();
  }

  TempDir dir_;
};

TEST_F(EndToEndTest, ShellPipeline) {
  RunResult r = Shell("seq 1 100000 | sort -rn | head -3");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "100000\n99999\n99998\n") << r.Describe();
}

TEST_F(EndToEndTest, ShellScriptWithLoopsSubshellsRedirectionsAndTraps) {
  dir_.WriteFile("script.sh", R"SH(#!/bin/sh
trap 'echo "exit trap"' EXIT
trap 'echo "got USR1"' USR1
total=0
for i in 1 2 3 4 5; do total=$((total + i)); done
echo "sum $total"
upper=$(echo inner | tr a-z A-Z)
echo "substitution $upper"
(cd / && echo "subshell in $(pwd)")
[ "$PWD" != / ] && echo "subshell left cwd alone"
echo "first" > out.txt
echo "second" >> out.txt
while read -r line; do echo "read $line"; done < out.txt
wc -l < out.txt
ls /nonexistent 2> err.txt || echo "ls failed $?"
test -s err.txt && echo "stderr redirected"
kill -USR1 $$
i=0
while [ $i -lt 3 ]; do i=$((i + 1)); done
echo "while $i"
printf '%s\n' c a b | sort | tr '\n' ' '
echo
sleep 0.1 &
wait $! && echo "background job done"
exit 3
)SH");
  RunResult r = Sandboxed("/bin/sh", {"-c", std::string("cd ") + GuestDir() + " && sh script.sh"})
                    .Run();
  EXPECT_EQ(r.status, 3) << r.Describe();
  EXPECT_EQ(r.out,
            "sum 15\n"
            "substitution INNER\n"
            "subshell in /\n"
            "subshell left cwd alone\n"
            "read first\n"
            "read second\n"
            "2\n"
            "ls failed 2\n"
            "stderr redirected\n"
            "got USR1\n"
            "while 3\n"
            "a b c \n"
            "background job done\n"
            "exit trap\n")
      << r.Describe();
}

TEST_F(EndToEndTest, PythonThreadsWithLocksAndConditions) {
  RunResult r = Sandboxed("/usr/bin/python3", {"-c", R"PY(
import threading
lock = threading.Lock()
cond = threading.Condition(lock)
state = {"count": 0, "ready": 0, "go": False}
def worker(n):
    with cond:
        state["ready"] += 1
        cond.notify_all()
        while not state["go"]:
            cond.wait()
    for _ in range(2000):
        with lock:
            state["count"] += 1
threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for t in threads: t.start()
with cond:
    while state["ready"] < 8:
        cond.wait()
    state["go"] = True
    cond.notify_all()
for t in threads: t.join()
print("count", state["count"], "threads", threading.active_count())
)PY"}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "count 16000 threads 1\n") << r.Describe();
}

TEST_F(EndToEndTest, PythonMultiprocessingPool) {
  RunResult r = Sandboxed("/usr/bin/python3", {"-c", R"PY(
import multiprocessing, os
def square(x):
    return x * x, os.getpid()
if __name__ == "__main__":
    with multiprocessing.Pool(4) as pool:
        results = pool.map(square, range(100))
    print(sum(v for v, _ in results), len({p for _, p in results}) <= 4,
          all(p != os.getpid() for _, p in results))
)PY"}).Run();
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "328350 True True\n") << r.Describe();
}

TEST_F(EndToEndTest, GccCompilesAndRunsHello) {
  dir_.WriteFile("hello.c",
                 "#include <stdio.h>\n"
                 "int main(void) { printf(\"hello from %s\\n\", \"gcc\"); return 0; }\n");
  // In the sandbox the program lands on its own tmpfs /tmp and runs from there.
  std::string out = SandboxRun::Native() ? dir_.path() + "/hello" : "/tmp/hello";
  RunResult r = Shell("gcc -O2 " + GuestDir() + "/hello.c -o " + out + " && " + out);
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "hello from gcc\n") << r.Describe();
}

TEST_F(EndToEndTest, MakeParallelBuild) {
  dir_.WriteFile("Makefile",
                 "OBJS = main.o a.o b.o c.o\n"
                 "prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n"
                 "%.o: %.c common.h\n\t$(CC) -O2 -c $< -o $@\n"
                 "clean:\n\trm -f prog $(OBJS)\n");
  dir_.WriteFile("common.h", "int a(void); int b(void); int c(void);\n");
  dir_.WriteFile("a.c", "#include \"common.h\"\nint a(void) { return 1; }\n");
  dir_.WriteFile("b.c", "#include \"common.h\"\nint b(void) { return 20; }\n");
  dir_.WriteFile("c.c", "#include \"common.h\"\nint c(void) { return 300; }\n");
  dir_.WriteFile("main.c",
                 "#include <stdio.h>\n#include \"common.h\"\n"
                 "int main(void) { printf(\"total %d\\n\", a() + b() + c()); return 0; }\n");
  RunResult r = Shell(std::string("cd ") + GuestDir() + " && make -s -j2 && ./prog");
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_EQ(r.out, "total 321\n") << r.Describe();
  struct stat st;
  EXPECT_EQ(stat((dir_.path() + "/prog").c_str(), &st), 0) << "the build wrote through the volume";
}

}  // namespace
}  // namespace ringfence::testing
