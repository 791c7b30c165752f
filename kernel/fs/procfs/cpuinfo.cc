// /proc/cpuinfo from CPUID: what programs look for there (vendor, model
// name, the flags line) comes from the CPU itself, so it matches what the
// app's own CPUID instructions see.
#include <cstdint>

#include "kernel/fs/procfs/proc_format.h"
#include "kernel/fs/synthetic/synthetic.h"

namespace sentry::procfs {
namespace {

using synthetic::Append;
using synthetic::Appendf;

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};

CpuidResult Cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
               : "a"(leaf), "c"(subleaf));
  return r;
}

enum Register : uint8_t { kEax, kEbx, kEcx, kEdx };

// One feature bit and Linux's name for it (arch/x86/include/asm/cpufeatures.h).
struct Flag {
  uint32_t leaf;
  Register reg;
  uint8_t bit;
  const char* name;
};

constexpr Flag kFlags[] = {
    {1, kEdx, 0, "fpu"},       {1, kEdx, 1, "vme"},         {1, kEdx, 2, "de"},
    {1, kEdx, 3, "pse"},       {1, kEdx, 4, "tsc"},         {1, kEdx, 5, "msr"},
    {1, kEdx, 6, "pae"},       {1, kEdx, 7, "mce"},         {1, kEdx, 8, "cx8"},
    {1, kEdx, 9, "apic"},      {1, kEdx, 11, "sep"},        {1, kEdx, 12, "mtrr"},
    {1, kEdx, 13, "pge"},      {1, kEdx, 14, "mca"},        {1, kEdx, 15, "cmov"},
    {1, kEdx, 16, "pat"},      {1, kEdx, 17, "pse36"},      {1, kEdx, 19, "clflush"},
    {1, kEdx, 23, "mmx"},      {1, kEdx, 24, "fxsr"},       {1, kEdx, 25, "sse"},
    {1, kEdx, 26, "sse2"},     {1, kEdx, 28, "ht"},         {0x80000001, kEdx, 11, "syscall"},
    {0x80000001, kEdx, 20, "nx"}, {0x80000001, kEdx, 22, "mmxext"},
    {0x80000001, kEdx, 26, "pdpe1gb"}, {0x80000001, kEdx, 27, "rdtscp"},
    {0x80000001, kEdx, 29, "lm"}, {1, kEcx, 0, "pni"},      {1, kEcx, 1, "pclmulqdq"},
    {1, kEcx, 9, "ssse3"},     {1, kEcx, 12, "fma"},        {1, kEcx, 13, "cx16"},
    {1, kEcx, 19, "sse4_1"},   {1, kEcx, 20, "sse4_2"},     {1, kEcx, 21, "x2apic"},
    {1, kEcx, 22, "movbe"},    {1, kEcx, 23, "popcnt"},     {1, kEcx, 25, "aes"},
    {1, kEcx, 26, "xsave"},    {1, kEcx, 28, "avx"},        {1, kEcx, 29, "f16c"},
    {1, kEcx, 30, "rdrand"},   {1, kEcx, 31, "hypervisor"}, {0x80000001, kEcx, 0, "lahf_lm"},
    {0x80000001, kEcx, 5, "abm"}, {0x80000001, kEcx, 6, "sse4a"},
    {0x80000001, kEcx, 8, "3dnowprefetch"}, {7, kEbx, 0, "fsgsbase"},
    {7, kEbx, 3, "bmi1"},      {7, kEbx, 5, "avx2"},        {7, kEbx, 7, "smep"},
    {7, kEbx, 8, "bmi2"},      {7, kEbx, 9, "erms"},        {7, kEbx, 10, "invpcid"},
    {7, kEbx, 16, "avx512f"},  {7, kEbx, 17, "avx512dq"},   {7, kEbx, 18, "rdseed"},
    {7, kEbx, 19, "adx"},      {7, kEbx, 20, "smap"},       {7, kEbx, 23, "clflushopt"},
    {7, kEbx, 24, "clwb"},     {7, kEbx, 28, "avx512cd"},   {7, kEbx, 29, "sha_ni"},
    {7, kEbx, 30, "avx512bw"}, {7, kEbx, 31, "avx512vl"},   {7, kEcx, 1, "avx512vbmi"},
    {7, kEcx, 2, "umip"},      {7, kEcx, 4, "ospke"},       {7, kEcx, 8, "gfni"},
    {7, kEcx, 9, "vaes"},      {7, kEcx, 10, "vpclmulqdq"}, {7, kEcx, 22, "rdpid"},
    {7, kEdx, 4, "fsrm"},      {7, kEdx, 8, "avx512_vp2intersect"},
};

uint32_t Pick(const CpuidResult& r, Register reg) {
  switch (reg) {
    case kEax: return r.eax;
    case kEbx: return r.ebx;
    case kEcx: return r.ecx;
    case kEdx: return r.edx;
  }
  return 0;
}

// The brand string (leaves 0x80000002-4), leading spaces dropped.
void BrandString(char out[49]) {
  uint32_t words[12] = {};
  if (Cpuid(0x80000000).eax >= 0x80000004) {
    for (uint32_t i = 0; i < 3; ++i) {
      CpuidResult r = Cpuid(0x80000002 + i);
      words[i * 4] = r.eax;
      words[i * 4 + 1] = r.ebx;
      words[i * 4 + 2] = r.ecx;
      words[i * 4 + 3] = r.edx;
    }
  }
  char raw[49];
  ktl::MemCopy(raw, words, 48);
  raw[48] = '\0';
  const char* start = raw;
  while (*start == ' ') ++start;
  ktl::StrCopy(out, *start ? start : "unknown", 49);
}

ktl::Result<void> AppendFlags(Text* out) {
  uint32_t max_leaf = Cpuid(0).eax;
  uint32_t max_extended = Cpuid(0x80000000).eax;
  bool first = true;
  for (const Flag& flag : kFlags) {
    bool extended = flag.leaf >= 0x80000000;
    if ((extended && flag.leaf > max_extended) || (!extended && flag.leaf > max_leaf)) continue;
    if ((Pick(Cpuid(flag.leaf), flag.reg) >> flag.bit & 1) == 0) continue;
    TRY(Appendf(out, first ? "%s" : " %s", flag.name));
    first = false;
  }
  return Append(out, "\n");
}

}  // namespace

ktl::Result<void> AppendCpuinfo(Text* out, uint32_t cpu_count, uint64_t tsc_khz) {
  CpuidResult vendor_leaf = Cpuid(0);
  char vendor[13];
  ktl::MemCopy(vendor, &vendor_leaf.ebx, 4);
  ktl::MemCopy(vendor + 4, &vendor_leaf.edx, 4);
  ktl::MemCopy(vendor + 8, &vendor_leaf.ecx, 4);
  vendor[12] = '\0';
  CpuidResult signature = Cpuid(1);
  uint32_t family = (signature.eax >> 8) & 0xf;
  uint32_t model = (signature.eax >> 4) & 0xf;
  if (family == 0xf) family += (signature.eax >> 20) & 0xff;
  if (family >= 6) model |= ((signature.eax >> 16) & 0xf) << 4;
  uint32_t stepping = signature.eax & 0xf;
  uint32_t clflush = ((signature.ebx >> 8) & 0xff) * 8;
  char brand[49];
  BrandString(brand);
  uint32_t address_sizes = Cpuid(0x80000000).eax >= 0x80000008 ? Cpuid(0x80000008).eax : 0x3028;
  Text flags;
  TRY(AppendFlags(&flags));
  ktl::StringView flags_line(flags.data(), flags.size());
  uint64_t khz = tsc_khz;
  uint64_t bogomips = khz / 500;  // 2 * MHz, in hundredths below

  for (uint32_t cpu = 0; cpu < cpu_count; ++cpu) {
    TRY(Appendf(out,
                "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                "model name\t: %s\nstepping\t: %u\n",
                cpu, vendor, family, model, brand, stepping));
    TRY(Appendf(out, "cpu MHz\t\t: %u.%03u\ncache size\t: 512 KB\nphysical id\t: 0\n",
                khz / 1000, khz % 1000));
    TRY(Appendf(out,
                "siblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\n"
                "initial apicid\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\n",
                cpu_count, cpu, cpu_count, cpu, cpu));
    TRY(Appendf(out, "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t: %s", vendor_leaf.eax,
                flags_line));
    TRY(Appendf(out, "bugs\t\t:\nbogomips\t: %u.%02u\nclflush size\t: %u\n", bogomips / 100,
                bogomips % 100, clflush));
    TRY(Appendf(out,
                "cache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits virtual\n"
                "power management:\n\n",
                clflush, address_sizes & 0xff, (address_sizes >> 8) & 0xff));
  }
  return ktl::Ok();
}

}  // namespace sentry::procfs
