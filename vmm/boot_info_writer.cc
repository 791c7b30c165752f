#include "vmm/boot_info_writer.h"

#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
#include "platform_kvm/abi/memory_layout.h"

namespace ringfence::vmm {

absl::Status WriteBootInfo(const GuestMemory& memory, const SandboxConfig& config,
                           abi::BootInfo info) {
  uint64_t cursor = abi::kBootArgsGpa;
  auto append = [&](const std::string& text) {
    uint64_t size = text.size() + 1;
    if (size > abi::kBootArgsEnd - cursor) return false;
    memory.Write(cursor, text.c_str(), size);
    cursor += size;
    return true;
  };
  bool fits = append(config.exec_path);
  for (const std::string& arg : config.argv) fits = fits && append(arg);
  for (const std::string& env : config.envp) fits = fits && append(env);
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "arguments and environment exceed %d KiB (E2BIG)",
        (abi::kBootArgsEnd - abi::kBootArgsGpa) >> 10));
  }
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
