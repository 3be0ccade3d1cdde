#ifndef STRESS_TESTING_DETAIL_ATOMIC_FILE_HPP
#define STRESS_TESTING_DETAIL_ATOMIC_FILE_HPP

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace stress_testing::detail {

/** Writes `text` to `path` through `<path>.tmp` renamed into place, so a crash or a full disk
    never leaves a torn file where a good one was. Creates missing parent directories. Throws
    `std::system_error` on I/O failure. Used for configuration files and results documents. */
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::system_error(errno, std::generic_category(), "cannot write " + tmp.string());
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) throw std::system_error(errno, std::generic_category(), "cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

/** Why files cannot be written in `dir`, or an empty string when they can: creates `dir` (and
    its parents) and writes, then removes, a probe file, so that a run finds out before it
    starts, not after, that its results would be lost. */
inline std::string unwritable_directory_reason(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create the directory: " + ec.message();
  if (!std::filesystem::is_directory(dir, ec)) return "not a directory";
  auto const probe = dir / ".stress_testing_write_probe";
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot create a file in it: " + std::error_code(errno, std::generic_category()).message();
    out << "probe\n";
    out.flush();
    if (!out) return "cannot write a file in it: " + std::error_code(errno, std::generic_category()).message();
  }
  std::filesystem::remove(probe, ec);
  return {};
}

}  // namespace stress_testing::detail

#endif
