#ifndef STRESS_TESTING_DETAIL_ATOMIC_FILE_HPP
#define STRESS_TESTING_DETAIL_ATOMIC_FILE_HPP

#include <cerrno>
#include <filesystem>
#include <fstream>
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

}  // namespace stress_testing::detail

#endif
