// procfs text formats, against lines as Linux prints them.
#include "kernel/fs/procfs/proc_format.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sentry::procfs {
namespace {

std::string Str(const Text& text) { return std::string(text.data(), text.size()); }

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

ProcessSnapshot Sample() {
  ProcessSnapshot p;
  p.name = "cat";
  p.pid = p.tgid = p.pgrp = p.session = 7;
  p.ppid = 1;
  p.uid[0] = p.uid[1] = p.uid[2] = p.uid[3] = 1000;
  p.gid[0] = p.gid[1] = p.gid[2] = p.gid[3] = 100;
  p.vm_size = p.vm_peak = 2596 * 1024;
  p.vm_rss = p.vm_hwm = 980 * 1024;
  p.blocked = 1ull << (10 - 1);  // SIGUSR1
  p.caught = (1ull << (2 - 1)) | (1ull << (15 - 1));
  p.signal_queue_limit = 63704;
  p.cpu_count = 4;
  p.arg_start = 0x7ffc0000;
  p.arg_end = 0x7ffc0010;
  return p;
}

TEST(ProcFormatTest, StatusHasLinuxFieldsAndFormats) {
  Text out;
  ASSERT_TRUE(AppendStatus(&out, Sample()).ok());
  std::string text = Str(out);
  for (const char* line :
       {"Name:\tcat\n", "Umask:\t0022\n", "State:\tR (running)\n", "Tgid:\t7\n", "Pid:\t7\n",
        "PPid:\t1\n", "Uid:\t1000\t1000\t1000\t1000\n", "Gid:\t100\t100\t100\t100\n",
        "FDSize:\t64\n", "VmSize:\t    2596 kB\n", "VmRSS:\t     980 kB\n", "Threads:\t1\n",
        "SigQ:\t0/63704\n", "SigPnd:\t0000000000000000\n", "SigBlk:\t0000000000000200\n",
        "SigCgt:\t0000000000004002\n", "CapEff:\t0000000000000000\n", "Cpus_allowed:\tf\n",
        "Cpus_allowed_list:\t0-3\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
  // Every line is "Key:\tvalue".
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.find(":\t"), std::string::npos) << line;
  }
}

TEST(ProcFormatTest, StatusListsSupplementaryGroupsWithTrailingSpace) {
  Text none;
  ASSERT_TRUE(AppendStatus(&none, Sample()).ok());
  EXPECT_NE(Str(none).find("\nGroups:\t \nNStgid:"), std::string::npos) << Str(none);
  ProcessSnapshot p = Sample();
  const uint32_t groups[] = {10, 20, 300};
  p.groups = groups;
  Text some;
  ASSERT_TRUE(AppendStatus(&some, p).ok());
  EXPECT_NE(Str(some).find("\nGroups:\t10 20 300 \n"), std::string::npos) << Str(some);
}

TEST(ProcFormatTest, StatHas52FieldsInOrder) {
  Text out;
  ASSERT_TRUE(AppendStat(&out, Sample()).ok());
  std::string text = Str(out);
  ASSERT_EQ(text.back(), '\n');
  std::vector<std::string> fields = Words(text);
  ASSERT_EQ(fields.size(), 52u) << text;
  EXPECT_EQ(fields[0], "7");
  EXPECT_EQ(fields[1], "(cat)");
  EXPECT_EQ(fields[2], "R");
  EXPECT_EQ(fields[3], "1");                                // ppid
  EXPECT_EQ(fields[19], "1");                               // num_threads
  EXPECT_EQ(fields[22], std::to_string(2596 * 1024));       // vsize in bytes
  EXPECT_EQ(fields[23], std::to_string(980 * 1024 / 4096)); // rss in pages
  EXPECT_EQ(fields[37], "17");                              // exit_signal SIGCHLD
  EXPECT_EQ(fields[47], std::to_string(0x7ffc0000));        // arg_start
  EXPECT_EQ(fields[48], std::to_string(0x7ffc0010));        // arg_end
}

TEST(ProcFormatTest, LimitsTableColumns) {
  Text out;
  ASSERT_TRUE(AppendLimitsHeader(&out).ok());
  ASSERT_TRUE(AppendLimit(&out, "Max open files", 1024, 1048576, "files").ok());
  ASSERT_TRUE(AppendLimit(&out, "Max cpu time", ~0ull, ~0ull, "seconds").ok());
  EXPECT_EQ(Str(out),
            "Limit                     Soft Limit           Hard Limit           Units     \n"
            "Max open files            1024                 1048576              files     \n"
            "Max cpu time              unlimited            unlimited            seconds   \n");
}

TEST(ProcFormatTest, MountLinesEscapeAndOrderFields) {
  MountLine line{30, 20, (uint64_t{0} << 8) | 21, "/", "/with space", "tmpfs", "tmpfs",
                 false, true, true, false};
  Text mounts, info;
  ASSERT_TRUE(AppendMountsLine(&mounts, line).ok());
  ASSERT_TRUE(AppendMountInfoLine(&info, line).ok());
  EXPECT_EQ(Str(mounts), "tmpfs /with\\040space tmpfs rw,nosuid,nodev,relatime 0 0\n");
  EXPECT_EQ(Str(info), "30 20 0:21 / /with\\040space rw,nosuid,nodev,relatime - tmpfs tmpfs rw\n");
}

TEST(ProcFormatTest, FdInfoUsesOctalFlags) {
  Text out;
  ASSERT_TRUE(AppendFdInfo(&out, 12, 02 | 0100000 | 02000000, 25, 99).ok());
  EXPECT_EQ(Str(out), "pos:\t12\nflags:\t02100002\nmnt_id:\t25\nino:\t99\n");
}

TEST(ProcFormatTest, UptimeAndLoadavg) {
  Text uptime, loadavg;
  ASSERT_TRUE(AppendUptime(&uptime, 12345678901ull, 5000000000ull).ok());
  EXPECT_EQ(Str(uptime), "12.34 5.00\n");
  ASSERT_TRUE(AppendLoadavg(&loadavg, 1, 3, 42).ok());
  EXPECT_EQ(Str(loadavg), "0.00 0.00 0.00 1/3 42\n");
}

TEST(ProcFormatTest, MeminfoAndSystemStat) {
  Text meminfo;
  ASSERT_TRUE(AppendMeminfo(&meminfo, MemorySnapshot{512ull << 20, 256ull << 20, 0}).ok());
  std::string m = Str(meminfo);
  EXPECT_EQ(m.substr(0, 28), "MemTotal:         524288 kB\n");
  EXPECT_NE(m.find("MemFree:          262144 kB\n"), std::string::npos) << m;
  EXPECT_NE(m.find("MemAvailable:"), std::string::npos);
  Text stat;
  ASSERT_TRUE(AppendSystemStat(&stat, 2, 3000000000ull, 1700000000, 1, 1).ok());
  std::string s = Str(stat);
  EXPECT_EQ(s.substr(0, s.find('\n')), "cpu  0 0 0 600 0 0 0 0 0 0");
  EXPECT_NE(s.find("\ncpu1 0 0 0 300 0 0 0 0 0 0\n"), std::string::npos) << s;
  EXPECT_NE(s.find("\nbtime 1700000000\n"), std::string::npos) << s;
}

TEST(ProcFormatTest, CpuinfoDescribesEveryCpuFromCpuid) {
  Text out;
  ASSERT_TRUE(AppendCpuinfo(&out, 2, 2400000).ok());
  std::string text = Str(out);
  EXPECT_EQ(text.substr(0, 14), "processor\t: 0\n");
  EXPECT_NE(text.find("\nprocessor\t: 1\n"), std::string::npos);
  EXPECT_EQ(text.find("\nprocessor\t: 2\n"), std::string::npos);
  EXPECT_NE(text.find("cpu MHz\t\t: 2400.000\n"), std::string::npos);
  // Every x86-64 CPU has these.
  size_t flags = text.find("\nflags\t\t: fpu ");
  ASSERT_NE(flags, std::string::npos) << text;
  std::string flag_line = text.substr(flags + 1, text.find('\n', flags + 1) - flags - 1);
  for (const char* flag : {" sse ", " sse2 ", " lm ", " cx8 "}) {
    EXPECT_NE((flag_line + " ").find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(text.substr(text.size() - 2), "\n\n");  // blocks end with a blank line
}

}  // namespace
}  // namespace sentry::procfs
