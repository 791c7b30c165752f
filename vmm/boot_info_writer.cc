#include "vmm/boot_info_writer.h"

#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {

absl::Status WriteBootInfo(const GuestMemory& memory, const SandboxConfig& config,
                           abi::BootInfo info) {
  if (!memory.Contains(0, abi::kBootArgsEnd)) {
    return absl::FailedPreconditionError("guest memory ends before the argument region");
  }
  // Check everything before writing anything: the strings must fit the
  // argument region, and none may contain a NUL (it would split one string
  // into two and desynchronise argc/envc from what the Sentry finds).
  const uint64_t region = abi::kBootArgsEnd - abi::kBootArgsGpa;
  uint64_t total = 0;
  bool fits = true;
  bool has_nul = false;
  auto measure = [&](const std::string& text) {
    has_nul = has_nul || text.find('\0') != std::string::npos;
    uint64_t size = text.size() + 1;
    if (size > region - total) {
      fits = false;
    } else {
      total += size;
    }
  };
  measure(config.exec_path);
  for (const std::string& arg : config.argv) {
    if (fits) measure(arg);
  }
  for (const std::string& env : config.envp) {
    if (fits) measure(env);
  }
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "arguments and environment exceed %d KiB (E2BIG)", region >> 10));
  }
  if (has_nul) {
    return absl::InvalidArgumentError(
        "an argument or environment string contains a NUL byte");
  }

  uint64_t cursor = abi::kBootArgsGpa;
  auto append = [&](const std::string& text) {
    memory.Write(cursor, text.c_str(), text.size() + 1);
    cursor += text.size() + 1;
  };
  append(config.exec_path);
  for (const std::string& arg : config.argv) append(arg);
  for (const std::string& env : config.envp) append(env);
  info.magic = abi::kBootInfoMagic;
  info.version = abi::kBootInfoVersion;
  info.args_gpa = abi::kBootArgsGpa;
  info.args_bytes = cursor - abi::kBootArgsGpa;
  info.argc = static_cast<uint32_t>(config.argv.size());
  info.envc = static_cast<uint32_t>(config.envp.size());
  info.uid = config.uid;
  info.gid = config.gid;
  std::memset(info.hostname, 0, sizeof(info.hostname));
  std::strncpy(info.hostname, config.hostname.c_str(), sizeof(info.hostname) - 1);
  memory.WriteObject(abi::kBootInfoGpa, info);
  return absl::OkStatus();
}

}  // namespace ringfence::vmm
