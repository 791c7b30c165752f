// execve's checks and image layout (kernel/loader), hosted: files in a
// tmpfs through the VFS, the address space a fake that records mappings and
// bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/abi/linux.h"
#include "kernel/loader/exec_prepare.h"
#include "kernel/loader/image_loader.h"
#include "kernel/loader/program_search.h"
#include "tests/unit/kernel/elf_builder.h"
#include "tests/unit/kernel/vfs_test_fixture.h"

namespace sentry::loader {
namespace {

using ringfence::testing::ElfBuilder;
using ringfence::testing::TestPhdr;
using vfs::testing::ErrorOf;

constexpr uint32_t kPtInterp = 3;
constexpr uint32_t kPtPhdr = 6;
constexpr uint64_t kPage = 4096;

std::string Bytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// A static ET_EXEC whose text page starts with "TEXT" and data with "DATA".
ElfBuilder StaticProgram() {
  ElfBuilder b;
  b.blobs.push_back({0x1000, "TEXT"});
  b.blobs.push_back({0x2000, "DATA"});
  return b;
}

// The same, asking for `interpreter` (PT_INTERP in the first page).
ElfBuilder ProgramWithInterpreter(const std::string& interpreter, uint16_t type = elf::kEtDyn) {
  ElfBuilder b = StaticProgram();
  b.type = type;
  if (type == elf::kEtDyn) {
    for (TestPhdr& p : b.phdrs) p.vaddr = p.vaddr == 0 ? 0 : p.vaddr - 0x400000;
    b.entry = 0x1000;
  }
  uint64_t base = type == elf::kEtDyn ? 0 : 0x400000;
  b.phdrs.insert(b.phdrs.begin(), TestPhdr{kPtPhdr, 4, 64, base + 64, 56 * 6, 56 * 6, 8});
  b.phdrs.insert(b.phdrs.begin() + 1,
                 TestPhdr{kPtInterp, 4, 0x300, base + 0x300, interpreter.size() + 1,
                          interpreter.size() + 1, 1});
  b.blobs.push_back({0x300, interpreter + '\0'});
  return b;
}

// An ld.so-like ET_DYN: segments from 0, entry in its text ("LDSO").
ElfBuilder Interpreter() {
  ElfBuilder b;
  b.type = elf::kEtDyn;
  b.phdrs = {{1, 4, 0, 0, 0x1000, 0x1000},
             {1, 5, 0x1000, 0x1000, 0x1000, 0x1000},
             {1, 6, 0x2000, 0x3000, 0x100, 0x1800},
             {0x6474e551, 6, 0, 0, 0, 0, 16}};
  b.entry = 0x1010;
  b.blobs.push_back({0x1000, "LDSO"});
  return b;
}

class FakeRandom final : public RandomSource {
 public:
  uint64_t Below(uint64_t bound) override { return bound / 3; }
  void Fill(std::span<uint8_t> out) override { std::memset(out.data(), 0xab, out.size()); }
};

// Records mappings and the bytes written; non-fixed maps go top-down from
// the mmap base like the real VmaSet.
class FakeMemory final : public ExecMemory {
 public:
  struct Region {
    uint64_t start, end;
    uint8_t prot;
    bool grows_down;
  };
  ktl::Result<uint64_t> Map(const mm::MapRequest& request) override {
    uint64_t start = request.address;
    if (!request.fixed) {
      start = mmap_base - request.length;
      for (bool moved = true; moved;) {
        moved = false;
        for (const Region& r : regions) {
          if (start < r.end && r.start < start + request.length) {
            start = r.start - request.length;
            moved = true;
          }
        }
      }
    } else if (request.no_replace) {
      for (const Region& r : regions) {
        if (start < r.end && r.start < start + request.length) return ktl::Errno::kEEXIST;
      }
    }
    regions.push_back({start, start + request.length, request.prot, request.grows_down});
    return start;
  }
  ktl::Result<void> Unmap(uint64_t address, uint64_t length) override {
    std::erase_if(regions, [&](const Region& r) {
      return r.start >= address && r.end <= address + length;
    });
    return ktl::Ok();
  }
  ktl::Result<void> Fill(ExecFile& file, uint64_t offset, uint64_t address,
                         uint64_t length) override {
    std::vector<uint8_t> bytes(length);
    TRY(file.ReadExactly({bytes.data(), bytes.size()}, offset));
    return CopyOut(address, bytes.data(), bytes.size());
  }
  ktl::Result<void> CopyOut(uint64_t address, const void* data, size_t length) override {
    if (FindRegion(address) == nullptr || FindRegion(address + length - 1) == nullptr) {
      return ktl::Errno::kEFAULT;
    }
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < length; ++i) memory[address + i] = p[i];
    return ktl::Ok();
  }
  void SetMmapBase(uint64_t address) override { mmap_base = address; }
  void SetBrk(uint64_t address) override { brk = address; }

  const Region* FindRegion(uint64_t address) const {
    for (auto it = regions.rbegin(); it != regions.rend(); ++it) {
      if (address >= it->start && address < it->end) return &*it;
    }
    return nullptr;
  }
  std::string Read(uint64_t address, size_t length) const {
    std::string out;
    for (size_t i = 0; i < length; ++i) {
      auto it = memory.find(address + i);
      out.push_back(it == memory.end() ? '\0' : static_cast<char>(it->second));
    }
    return out;
  }
  uint64_t Word(uint64_t address) const {
    uint64_t value;
    std::memcpy(&value, Read(address, 8).data(), 8);
    return value;
  }

  std::vector<Region> regions;
  std::map<uint64_t, uint8_t> memory;
  uint64_t mmap_base = 0;
  uint64_t brk = 0;
};

class ExecTest : public vfs::testing::VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    ASSERT_EQ(Mkdir("/bin"), ktl::Errno{0});
    ASSERT_EQ(Mkdir("/lib"), ktl::Errno{0});
  }

  void Put(const char* path, const std::string& contents, uint32_t mode = 0755) {
    ASSERT_EQ(WriteFile(path, contents, mode), ktl::Errno{0}) << path;
    ASSERT_EQ(ErrorOf(vfs_.Chmod(AsRoot(), path, mode, 0)), ktl::Errno{0});
  }
  void Put(const char* path, const ElfBuilder& b, uint32_t mode = 0755) {
    Put(path, Bytes(b.Build()), mode);
  }

  ktl::Errno OpenError(const char* path, const vfs::Credentials& creds) {
    return ErrorOf(OpenExecutable(vfs_, As(creds), path));
  }

  struct Prepared {
    ktl::Errno error = ktl::Errno{0};
    std::string reason, subject;
    std::vector<std::string> argv;
    std::optional<ktl::Result<PreparedExec>> result;
  };
  // Opens `path` and prepares its exec with argv {path-as-argv0, extra...}.
  std::unique_ptr<Prepared> Prepare(const char* path, std::vector<std::string> extra = {}) {
    auto out = std::make_unique<Prepared>();
    auto file = OpenExecutable(vfs_, AsRoot(), path);
    if (!file.ok()) {
      out->error = file.error();
      return out;
    }
    std::string blob = std::string(path) + '\0';
    for (const std::string& s : extra) blob += s + '\0';
    blob += std::string("HOME=/") + '\0';
    auto arguments = ExecArguments::Copy({blob.data(), blob.size()},
                                         static_cast<uint32_t>(extra.size() + 1), 1);
    EXPECT_TRUE(arguments.ok());
    ExecDiagnostic diagnostic;
    out->result.emplace(PrepareExec(vfs_, AsRoot(), std::move(file).value(), path,
                                    std::move(arguments).value(), &diagnostic));
    out->error = ErrorOf(*out->result);
    out->reason = diagnostic.reason ? diagnostic.reason : "";
    out->subject = diagnostic.subject;
    if (out->result->ok()) {
      const ExecArguments& a = out->result->value().arguments;
      std::span<const char> s = a.strings();
      for (size_t at = 0, i = 0; i < a.argc(); ++i) {
        out->argv.emplace_back(s.data() + at);
        at += out->argv.back().size() + 1;
      }
    }
    return out;
  }

  FakeMemory memory_;
  FakeRandom random_;
};

// --- OpenExecutable -------------------------------------------------------

TEST_F(ExecTest, OpenExecutableChecks) {
  Put("/bin/prog", StaticProgram(), 0711);  // executable, not readable by others
  Put("/bin/noexec", StaticProgram(), 0644);
  Put("/bin/none", StaticProgram(), 0600);
  vfs::Credentials user = vfs::Credentials::User(1000, 1000);
  EXPECT_EQ(OpenError("/bin/prog", user), ktl::Errno{0});  // no read permission needed
  EXPECT_EQ(OpenError("/bin/noexec", user), ktl::Errno::kEACCES);
  EXPECT_EQ(OpenError("/bin/none", root_creds_), ktl::Errno::kEACCES);  // root needs an x bit
  EXPECT_EQ(OpenError("/bin/noexec", root_creds_), ktl::Errno::kEACCES);
  EXPECT_EQ(OpenError("/bin", root_creds_), ktl::Errno::kEACCES);  // a directory
  EXPECT_EQ(OpenError("/bin/missing", root_creds_), ktl::Errno::kENOENT);
  EXPECT_EQ(OpenError("/bin/prog/x", root_creds_), ktl::Errno::kENOTDIR);
  EXPECT_EQ(OpenError("", root_creds_), ktl::Errno::kENOENT);
  ASSERT_EQ(Symlink("/bin/prog", "/link"), ktl::Errno{0});
  auto linked = OpenExecutable(vfs_, AsRoot(), "/link");
  ASSERT_TRUE(linked.ok());
  EXPECT_TRUE(*linked.value()->path() == Resolve("/bin/prog"));  // /proc/PID/exe: the target
  EXPECT_EQ(linked.value()->size(), StaticProgram().Build().size());
}

TEST_F(ExecTest, OpenExecutableRefusesNoexecMount) {
  ASSERT_EQ(Mkdir("/mnt"), ktl::Errno{0});
  ASSERT_TRUE(vfs_.Mount(AsRoot(), "/mnt", NewTmpfs(), vfs::kMountNoExec).ok());
  Put("/mnt/prog", StaticProgram());
  EXPECT_EQ(OpenError("/mnt/prog", root_creds_), ktl::Errno::kEACCES);
}

TEST_F(ExecTest, WritersAndExecExcludeEachOther) {
  Put("/bin/prog", StaticProgram());
  {
    // A description open for writing: execve's open is ETXTBSY.
    auto writer = vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_WRONLY, 0);
    ASSERT_TRUE(writer.ok());
    EXPECT_EQ(OpenError("/bin/prog", root_creds_), ktl::Errno::kETXTBSY);
  }
  // Closed: exec may open it, and then writers are refused while it (or a
  // copy of its denial, the running image) is held.
  std::optional<vfs::WriteDenial> running;
  {
    auto exec_file = OpenExecutable(vfs_, AsRoot(), "/bin/prog");
    ASSERT_TRUE(exec_file.ok());
    ASSERT_NE(exec_file.value()->write_denial(), nullptr);
    running.emplace(*exec_file.value()->write_denial());
  }  // execve is done with the file; the image keeps its denial
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_WRONLY, 0)), ktl::Errno::kETXTBSY);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_RDWR, 0)), ktl::Errno::kETXTBSY);
  EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_RDONLY | vfs::kO_TRUNC, 0)),
            ktl::Errno::kETXTBSY);
  EXPECT_EQ(ErrorOf(vfs_.Truncate(AsRoot(), "/bin/prog", 0)), ktl::Errno::kETXTBSY);
  EXPECT_TRUE(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_RDONLY, 0).ok());
  {
    // A second exec of the same file is fine; writes wait for both to end.
    auto again = OpenExecutable(vfs_, AsRoot(), "/bin/prog");
    ASSERT_TRUE(again.ok());
    running.reset();
    EXPECT_EQ(ErrorOf(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_WRONLY, 0)),
              ktl::Errno::kETXTBSY);
  }
  EXPECT_TRUE(vfs_.Open(AsRoot(), "/bin/prog", vfs::kO_WRONLY, 0).ok());
  // A failed open for writing (EACCES) leaves no write access behind.
  vfs::Credentials user = vfs::Credentials::User(1000, 1000);
  EXPECT_EQ(ErrorOf(vfs_.Open(As(user), "/bin/prog", vfs::kO_WRONLY, 0)), ktl::Errno::kEACCES);
  EXPECT_EQ(OpenError("/bin/prog", root_creds_), ktl::Errno{0});
}

// --- FindProgram ------------------------------------------------------------

TEST_F(ExecTest, FindProgramSearchesLikeExecvp) {
  ASSERT_EQ(Mkdir("/usr"), ktl::Errno{0});
  ASSERT_EQ(Mkdir("/usr/bin"), ktl::Errno{0});
  Put("/usr/bin/tool", StaticProgram());
  Put("/bin/locked", StaticProgram(), 0644);
  Put("/usr/bin/locked", StaticProgram());
  Put("/bin/only_locked", StaticProgram(), 0644);
  ASSERT_EQ(Mkdir("/bin/dir"), ktl::Errno{0});

  auto found = FindProgram(vfs_, AsRoot(), "tool", "/nonexistent:/usr/bin/tool:/bin:/usr/bin");
  ASSERT_TRUE(found.ok());
  EXPECT_STREQ(found.value().path.data(), "/usr/bin/tool");
  // A directory the search cannot execute is skipped (EACCES remembered).
  vfs::Credentials user = vfs::Credentials::User(1000, 1000);
  auto locked = FindProgram(vfs_, As(user), "locked", "/bin:/usr/bin");
  ASSERT_TRUE(locked.ok());
  EXPECT_STREQ(locked.value().path.data(), "/usr/bin/locked");
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, As(user), "only_locked", "/bin:/usr/bin")),
            ktl::Errno::kEACCES);
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, AsRoot(), "dir", "/bin")), ktl::Errno::kEACCES);
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, AsRoot(), "missing", "/bin:/usr/bin")),
            ktl::Errno::kENOENT);
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, AsRoot(), "", "/bin")), ktl::Errno::kENOENT);
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, AsRoot(), "tool", "")), ktl::Errno::kENOENT);
}

TEST_F(ExecTest, FindProgramEmptyEntryIsTheWorkingDirectory) {
  Put("/bin/here", StaticProgram());
  cwd_ = Resolve("/bin");
  auto found = FindProgram(vfs_, AsRoot(), "here", "/usr/bin::/lib");
  ASSERT_TRUE(found.ok());
  EXPECT_STREQ(found.value().path.data(), "here");
}

TEST_F(ExecTest, FindProgramTakesPathsAsTheyAre) {
  Put("/bin/p", StaticProgram());
  cwd_ = Resolve("/bin");
  auto found = FindProgram(vfs_, AsRoot(), "./p", "/nothing");
  ASSERT_TRUE(found.ok());
  EXPECT_STREQ(found.value().path.data(), "./p");
  EXPECT_EQ(ErrorOf(FindProgram(vfs_, AsRoot(), "bin/p", "/bin")), ktl::Errno::kENOENT);
}

// --- PrepareExec: scripts -----------------------------------------------------

TEST_F(ExecTest, ScriptArgvAsLinux) {
  Put("/bin/interp", StaticProgram());
  Put("/bin/script", "#! /bin/interp  -x -y \nbody\n");
  auto p = Prepare("/bin/script", {"a", "b"});
  ASSERT_EQ(p->error, ktl::Errno{0}) << p->reason;
  EXPECT_EQ(p->argv, (std::vector<std::string>{"/bin/interp", "-x -y", "/bin/script", "a", "b"}));
  EXPECT_TRUE(*p->result->value().program->path() == Resolve("/bin/interp"));
  EXPECT_EQ(p->result->value().arguments.envc(), 1u);
}

TEST_F(ExecTest, NestedScriptsUpToFiveThenEloop) {
  Put("/bin/elf", StaticProgram());
  Put("/bin/s0", "#!/bin/elf\n");
  for (int i = 1; i <= 6; ++i) {
    std::string name = "/bin/s" + std::to_string(i);
    Put(name.c_str(), "#!/bin/s" + std::to_string(i - 1) + "\n");
  }
  auto five = Prepare("/bin/s4", {"arg"});
  ASSERT_EQ(five->error, ktl::Errno{0}) << five->reason;
  EXPECT_EQ(five->argv, (std::vector<std::string>{"/bin/elf", "/bin/s0", "/bin/s1", "/bin/s2",
                                                  "/bin/s3", "/bin/s4", "arg"}));
  EXPECT_EQ(Prepare("/bin/s5")->error, ktl::Errno::kELOOP);
  EXPECT_EQ(Prepare("/bin/s6")->error, ktl::Errno::kELOOP);
}

TEST_F(ExecTest, ScriptErrors) {
  Put("/bin/missing_interp", "#!/bin/nothing-here\n");
  auto missing = Prepare("/bin/missing_interp");
  EXPECT_EQ(missing->error, ktl::Errno::kENOENT);
  EXPECT_EQ(missing->subject, "/bin/nothing-here");
  Put("/bin/noexec_interp_target", StaticProgram(), 0644);
  Put("/bin/noexec_interp", "#!/bin/noexec_interp_target\n");
  EXPECT_EQ(Prepare("/bin/noexec_interp")->error, ktl::Errno::kEACCES);
  Put("/bin/empty_line", "#!\n");
  EXPECT_EQ(Prepare("/bin/empty_line")->error, ktl::Errno::kENOEXEC);
  // No newline and no name: Linux opens "" (the working directory): EACCES.
  Put("/bin/no_name", "#!  ");
  EXPECT_EQ(Prepare("/bin/no_name")->error, ktl::Errno::kEACCES);
  Put("/bin/text", "plain text\n");
  EXPECT_EQ(Prepare("/bin/text")->error, ktl::Errno::kENOEXEC);
  Put("/bin/empty", "");
  EXPECT_EQ(Prepare("/bin/empty")->error, ktl::Errno::kENOEXEC);
  // A script whose interpreter is not executable content.
  Put("/bin/textinterp", "#!/bin/text\n");
  EXPECT_EQ(Prepare("/bin/textinterp")->error, ktl::Errno::kENOEXEC);
}

TEST_F(ExecTest, ScriptInterpreterRelativeToTheWorkingDirectory) {
  Put("/bin/elf", StaticProgram());
  Put("/lib/script", "#!elf\n");
  cwd_ = Resolve("/bin");
  auto p = Prepare("/lib/script");
  ASSERT_EQ(p->error, ktl::Errno{0});
  EXPECT_EQ(p->argv, (std::vector<std::string>{"elf", "/lib/script"}));
}

// --- PrepareExec: ELF interpreters --------------------------------------------

TEST_F(ExecTest, DynamicProgramGetsItsInterpreter) {
  Put("/lib/ld.so", Interpreter());
  Put("/bin/dyn", ProgramWithInterpreter("/lib/ld.so"));
  auto p = Prepare("/bin/dyn");
  ASSERT_EQ(p->error, ktl::Errno{0}) << p->reason;
  const PreparedExec& prepared = p->result->value();
  ASSERT_TRUE(prepared.interpreter);
  EXPECT_TRUE(*prepared.interpreter->path() == Resolve("/lib/ld.so"));
  EXPECT_EQ(prepared.interpreter_image.entry, 0x1010u);
  EXPECT_TRUE(prepared.image.has_interp);
}

TEST_F(ExecTest, InterpreterPathBeyondTheFirstPage) {
  Put("/lib/ld.so", Interpreter());
  ElfBuilder b = ProgramWithInterpreter("/lib/ld.so");
  b.phdrs[1].offset = 0x2800;  // inside the file, past the 4 KiB read first
  b.blobs.push_back({0x2800, std::string("/lib/ld.so") + '\0'});
  Put("/bin/dyn", b);
  auto p = Prepare("/bin/dyn");
  ASSERT_EQ(p->error, ktl::Errno{0}) << p->reason;
  EXPECT_TRUE(p->result->value().interpreter);
}

TEST_F(ExecTest, BadInterpreters) {
  struct Case {
    const char* name;
    std::string contents;
    ktl::Errno error;
  };
  ElfBuilder wrong_machine = Interpreter();
  wrong_machine.machine = 183;
  ElfBuilder bad_phentsize = Interpreter();
  bad_phentsize.phentsize = 32;
  ElfBuilder nested = ProgramWithInterpreter("/lib/ld.so");
  std::vector<uint8_t> good = Interpreter().Build();
  const Case cases[] = {
      {"text", "not an ELF file at all, but long enough for a header..............", ktl::Errno::kELIBBAD},
      {"short", "\x7f" "ELF", ktl::Errno::kEIO},
      {"empty", "", ktl::Errno::kEIO},
      {"machine", Bytes(wrong_machine.Build()), ktl::Errno::kELIBBAD},
      {"phentsize", Bytes(bad_phentsize.Build()), ktl::Errno::kELIBBAD},
      {"nested", Bytes(nested.Build()), ktl::Errno::kELIBBAD},
      {"truncated", Bytes(good).substr(0, 0x1800), ktl::Errno::kELIBBAD},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string interp = std::string("/lib/") + c.name;
    Put(interp.c_str(), c.contents);
    Put("/bin/dyn", ProgramWithInterpreter(interp));
    auto p = Prepare("/bin/dyn");
    EXPECT_EQ(p->error, c.error) << p->reason;
    EXPECT_EQ(p->subject, interp);
    EXPECT_FALSE(p->reason.empty());
  }
  Put("/bin/dyn", ProgramWithInterpreter("/lib/absent"));
  auto absent = Prepare("/bin/dyn");
  EXPECT_EQ(absent->error, ktl::Errno::kENOENT);
  EXPECT_EQ(absent->subject, "/lib/absent");
  Put("/lib/noexec", Interpreter(), 0644);
  Put("/bin/dyn", ProgramWithInterpreter("/lib/noexec"));
  EXPECT_EQ(Prepare("/bin/dyn")->error, ktl::Errno::kEACCES);
  Put("/bin/dyn", ProgramWithInterpreter("/lib"));
  EXPECT_EQ(Prepare("/bin/dyn")->error, ktl::Errno::kEACCES);
}

TEST_F(ExecTest, MalformedPtInterp) {
  ElfBuilder unterminated = ProgramWithInterpreter("/lib/ld.so");
  unterminated.phdrs[1].filesz -= 1;  // drops the NUL
  Put("/bin/a", unterminated);
  auto p = Prepare("/bin/a");
  EXPECT_EQ(p->error, ktl::Errno::kENOEXEC);
  EXPECT_NE(p->reason.find("PT_INTERP"), std::string::npos) << p->reason;
}

// --- LoadImage ------------------------------------------------------------------

class LoadTest : public ExecTest {
 protected:
  LoadedImage Load(const char* path, std::vector<std::string> extra = {}) {
    prepared_ = Prepare(path, std::move(extra));
    EXPECT_EQ(prepared_->error, ktl::Errno{0}) << prepared_->reason;
    if (!prepared_->result || !prepared_->result->ok()) return {};
    LoadFacts facts;
    facts.uid = 1000;
    facts.euid = 1001;
    facts.gid = 100;
    facts.egid = 101;
    facts.hwcap = 0x178bfbff;
    facts.random = &random_;
    const char* reason = nullptr;
    auto loaded = LoadImage(memory_, prepared_->result->value(), path, facts, &reason);
    EXPECT_TRUE(loaded.ok()) << (reason ? reason : "");
    return loaded.ok() ? loaded.value() : LoadedImage{};
  }
  std::map<uint64_t, uint64_t> Auxv(const LoadedImage& loaded) {
    uint64_t at = loaded.stack_pointer;
    uint64_t argc = memory_.Word(at);
    at += 8 * (argc + 2);
    while (memory_.Word(at) != 0) at += 8;
    at += 8;
    std::map<uint64_t, uint64_t> auxv;
    for (; memory_.Word(at) != linux_abi::kAtNull; at += 16) {
      auxv[memory_.Word(at)] = memory_.Word(at + 8);
    }
    return auxv;
  }

  std::unique_ptr<Prepared> prepared_;
};

TEST_F(LoadTest, StaticExecutable) {
  Put("/bin/prog", StaticProgram());
  LoadedImage loaded = Load("/bin/prog", {"one"});
  EXPECT_EQ(loaded.entry, 0x401000u);
  EXPECT_EQ(loaded.interpreter_base, 0u);
  EXPECT_EQ(memory_.Read(0x401000, 4), "TEXT");
  EXPECT_EQ(memory_.Read(0x403000, 4), "DATA");
  EXPECT_EQ(memory_.Read(0x403800, 8), std::string(8, '\0'));  // bss
  ASSERT_NE(memory_.FindRegion(0x401000), nullptr);
  EXPECT_EQ(memory_.FindRegion(0x401000)->prot, mm::kProtRead | mm::kProtExec);
  EXPECT_EQ(memory_.brk, 0x405000u + (kBrkRandomPages / 3) * kPage);  // after the program
  auto auxv = Auxv(loaded);
  EXPECT_EQ(auxv[linux_abi::kAtBase], 0u);
  EXPECT_EQ(auxv[linux_abi::kAtEntry], 0x401000u);
  EXPECT_EQ(auxv[linux_abi::kAtPhdr], 0x400040u);
  EXPECT_EQ(auxv[linux_abi::kAtPhnum], 4u);
  EXPECT_EQ(auxv[linux_abi::kAtPhent], 56u);
  EXPECT_EQ(auxv[linux_abi::kAtUid], 1000u);
  EXPECT_EQ(auxv[linux_abi::kAtEuid], 1001u);
  EXPECT_EQ(auxv[linux_abi::kAtGid], 100u);
  EXPECT_EQ(auxv[linux_abi::kAtEgid], 101u);
  EXPECT_EQ(auxv[linux_abi::kAtSecure], 0u);
  EXPECT_EQ(auxv[linux_abi::kAtHwcap], 0x178bfbffu);
  EXPECT_EQ(auxv[linux_abi::kAtPagesz], kPage);
  EXPECT_EQ(memory_.Read(auxv[linux_abi::kAtRandom], 16), std::string(16, '\xab'));
  EXPECT_EQ(memory_.Read(auxv[linux_abi::kAtExecfn], 10), std::string("/bin/prog") + '\0');
  EXPECT_EQ(memory_.Read(auxv[linux_abi::kAtPlatform], 7), std::string("x86_64") + '\0');
  EXPECT_EQ(auxv.count(33), 0u);  // AT_SYSINFO_EHDR: no vDSO
  EXPECT_EQ(memory_.Read(loaded.arg_start, loaded.arg_end - loaded.arg_start),
            std::string("/bin/prog\0one\0", 14));
  EXPECT_EQ(memory_.Read(loaded.env_start, loaded.env_end - loaded.env_start),
            std::string("HOME=/\0", 7));
  // The stack is one grows-down VMA under its top, holding the image.
  const FakeMemory::Region* stack = memory_.FindRegion(loaded.stack_pointer);
  ASSERT_NE(stack, nullptr);
  EXPECT_TRUE(stack->grows_down);
  EXPECT_EQ(stack->end, kStackTop - (kStackRandomPages / 3) * kPage);
  EXPECT_LT(memory_.mmap_base, stack->start);
}

TEST_F(LoadTest, DynamicProgramStartsInTheInterpreter) {
  Put("/lib/ld.so", Interpreter());
  Put("/bin/dyn", ProgramWithInterpreter("/lib/ld.so"));
  LoadedImage loaded = Load("/bin/dyn");
  uint64_t bias = kEtDynBase + (kEtDynRandomPages / 3) * kPage;
  EXPECT_EQ(loaded.program_bias, bias);
  uint64_t base = loaded.interpreter_base;
  EXPECT_EQ(base % kPage, 0u);
  EXPECT_EQ(base + 0x5000, memory_.mmap_base);  // top-down: right under the mmap base
  EXPECT_EQ(loaded.entry, base + 0x1010);
  EXPECT_EQ(memory_.Read(base + 0x1000, 4), "LDSO");
  EXPECT_EQ(memory_.Read(bias + 0x1000, 4), "TEXT");
  auto auxv = Auxv(loaded);
  EXPECT_EQ(auxv[linux_abi::kAtBase], base);
  EXPECT_EQ(auxv[linux_abi::kAtEntry], bias + 0x1000);
  EXPECT_EQ(auxv[linux_abi::kAtPhdr], bias + 64);
  EXPECT_EQ(auxv[linux_abi::kAtPhnum], 6u);
  // brk follows the program, not the interpreter.
  EXPECT_EQ(memory_.brk, bias + 0x5000 + (kBrkRandomPages / 3) * kPage);
  // The interpreter's gap between segments stays unmapped; its bss is zero.
  EXPECT_EQ(memory_.FindRegion(base + 0x2000), nullptr);
  EXPECT_EQ(memory_.Read(base + 0x3100, 8), std::string(8, '\0'));
}

TEST_F(LoadTest, FixedAddressProgramWithInterpreter) {
  Put("/lib/ld.so", Interpreter());
  Put("/bin/dyn", ProgramWithInterpreter("/lib/ld.so", elf::kEtExec));
  LoadedImage loaded = Load("/bin/dyn");
  EXPECT_EQ(loaded.program_bias, 0u);
  EXPECT_EQ(loaded.entry, loaded.interpreter_base + 0x1010);
  auto auxv = Auxv(loaded);
  EXPECT_EQ(auxv[linux_abi::kAtEntry], 0x401000u);
  EXPECT_EQ(auxv[linux_abi::kAtPhdr], 0x400040u);
  EXPECT_EQ(memory_.Read(0x401000, 4), "TEXT");
}

TEST_F(LoadTest, ScriptRunsItsInterpreterWithTheScriptAsExecfn) {
  Put("/bin/prog", StaticProgram());
  Put("/bin/script", "#!/bin/prog -v\n");
  LoadedImage loaded = Load("/bin/script", {"x"});
  EXPECT_EQ(loaded.entry, 0x401000u);
  EXPECT_EQ(memory_.Read(loaded.arg_start, loaded.arg_end - loaded.arg_start),
            std::string("/bin/prog\0-v\0/bin/script\0x\0", 27));
  auto auxv = Auxv(loaded);
  EXPECT_EQ(memory_.Read(auxv[linux_abi::kAtExecfn], 12), std::string("/bin/script") + '\0');
}

}  // namespace
}  // namespace sentry::loader
