#include "kernel/ipc/pipe_buffer.h"

#include <bit>

namespace sentry::ipc {
namespace {

constexpr uint32_t kReadableEvents = vfs::kPollIn | vfs::kPollRdNorm;
constexpr uint32_t kWritableEvents = vfs::kPollOut | vfs::kPollWrNorm;

size_t Min(size_t a, size_t b) { return a < b ? a : b; }

}  // namespace

ktl::Result<size_t> PipeBuffer::CopyOut(vfs::IoBuffer& dst, size_t count) {
  size_t done = 0;
  while (done < count) {
    size_t at = (head_ + done) % capacity_;
    size_t piece = Min(Min(count - done, capacity_ - at), kPipePageSize);
    auto copied = dst.CopyOut(done, ring_.data() + at, piece);
    if (!copied.ok()) {
      if (done == 0) return copied.error();
      break;
    }
    done += piece;
  }
  return done;
}

ktl::Result<size_t> PipeBuffer::CopyIn(vfs::IoBuffer& src, size_t from, size_t count) {
  size_t done = 0;
  while (done < count) {
    size_t at = (head_ + size_ + done) % capacity_;
    size_t piece = Min(Min(count - done, capacity_ - at), kPipePageSize);
    auto copied = src.CopyIn(from + done, ring_.data() + at, piece);
    if (!copied.ok()) {
      if (done == 0) return copied.error();
      break;
    }
    done += piece;
  }
  return done;
}

ktl::Result<size_t> PipeBuffer::Read(vfs::IoBuffer& dst) {
  if (dst.size() == 0) return size_t{0};
  if (size_ == 0) {
    if (writers_ == 0) return size_t{0};
    return ktl::Errno::kEAGAIN;
  }
  size_t done = TRY(CopyOut(dst, Min(dst.size(), size_)));
  head_ = (head_ + done) % capacity_;
  size_ -= done;
  if (size_ == 0) head_ = 0;  // keeps later copies contiguous
  waiters_.Notify(kWritableEvents);
  return done;
}

ktl::Result<size_t> PipeBuffer::Write(vfs::IoBuffer& src, size_t from) {
  if (readers_ == 0) return ktl::Errno::kEPIPE;
  size_t total = src.size();
  if (from >= total) return size_t{0};
  size_t want = total - from;
  bool atomic = total <= kPipeBuf;
  if (free_space() == 0 || (atomic && free_space() < want)) return ktl::Errno::kEAGAIN;
  if (ring_.empty()) TRY(ring_.Resize(capacity_));
  size_t done = TRY(CopyIn(src, from, Min(want, free_space())));
  size_ += done;
  waiters_.Notify(kReadableEvents);
  return done;
}

ktl::Result<size_t> PipeBuffer::SetCapacity(uint64_t requested) {
  // round_pipe_size: whole pages, a power of two of them.
  if (requested > (uint64_t{1} << 31)) return ktl::Errno::kEINVAL;
  uint64_t pages = (requested + kPipePageSize - 1) / kPipePageSize;
  if (pages == 0) pages = 1;
  size_t size = static_cast<size_t>(std::bit_ceil(pages) * kPipePageSize);
  if (size > kMaxPipeSize) return ktl::Errno::kEPERM;
  if (size < size_) return ktl::Errno::kEBUSY;
  if (size == capacity_) return size;
  if (!ring_.empty()) {
    // Re-lay the queued bytes from the start of the new ring.
    ktl::Vector<uint8_t> ring;
    TRY(ring.Resize(size));
    for (size_t i = 0; i < size_; ++i) ring[i] = ring_[(head_ + i) % capacity_];
    ring_ = std::move(ring);
    head_ = 0;
  }
  bool grew = size > capacity_;
  capacity_ = size;
  if (grew) waiters_.Notify(kWritableEvents);
  return size;
}

void PipeBuffer::AddEnd(bool reader, bool writer) {
  if (reader) {
    ++readers_;
    ++reader_opens_;
  }
  if (writer) {
    ++writers_;
    ++writer_opens_;
  }
  waiters_.Notify(kReadableEvents | kWritableEvents);
}

void PipeBuffer::RemoveEnd(bool reader, bool writer) {
  uint32_t events = 0;
  if (reader && --readers_ == 0) events |= vfs::kPollErr | kWritableEvents;
  if (writer && --writers_ == 0) events |= vfs::kPollHup | kReadableEvents;
  if (events != 0) waiters_.Notify(events);
}

uint32_t PipeBuffer::Readiness(bool reader, bool writer) const {
  uint32_t events = 0;
  if (reader) {
    if (size_ > 0) events |= kReadableEvents;
    if (writers_ == 0) events |= vfs::kPollHup;
  }
  if (writer) {
    // Room for an atomic write (Linux: a free page slot).
    if (free_space() >= Min(kPipeBuf, capacity_)) events |= kWritableEvents;
    if (readers_ == 0) events |= vfs::kPollErr;
  }
  return events;
}

}  // namespace sentry::ipc
