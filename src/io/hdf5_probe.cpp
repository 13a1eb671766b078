// libhdf5 (Debian's 1.10) dereferences null or reads past its buffers on some damaged files while
// it walks their metadata: fuzz_cxi found a NULL read in H5F__accum_read under H5Lexists, from a
// corrupt local heap. No check made before the call can foresee that, so File::open_read first
// opens and walks the file in a child process (every link by name, every object header, every
// dataset's type, dataspace, layout and storage, every attribute's type and dataspace: what the
// readers touch), and a file whose walk does not end normally is an InputError instead of a crash.
#include <fcntl.h>
#include <cerrno>
#include <filesystem>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "hdf5_detail.hpp"
#include "phasis/core/error.hpp"

namespace phasis::h5::detail {

namespace {

herr_t visit_attribute(hid_t object, const char* name, const H5A_info_t*, void*) {
  const hid_t a = H5Aopen(object, name, H5P_DEFAULT);
  if (a < 0) return 0;
  const hid_t t = H5Aget_type(a), s = H5Aget_space(a);
  if (s >= 0) H5Sget_simple_extent_npoints(s);
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  H5Aclose(a);
  return 0;
}

void visit_object(hid_t o) {
  if (H5Iget_type(o) == H5I_DATASET) {
    const hid_t t = H5Dget_type(o), s = H5Dget_space(o), p = H5Dget_create_plist(o);
    if (s >= 0) H5Sget_simple_extent_npoints(s);
    if (p >= 0) H5Pget_layout(p);
    H5Dget_storage_size(o);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    if (p >= 0) H5Pclose(p);
  }
  hsize_t at = 0;
  H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, &at, visit_attribute, nullptr);
}

template <class Info>
herr_t visit_link(hid_t group, const char* name, const Info*, void*) {
  H5Lexists(group, name, H5P_DEFAULT);
  const hid_t o = H5Oopen(group, name, H5P_DEFAULT);
  if (o < 0) return 0;
  visit_object(o);
  H5Oclose(o);
  return 0;
}

bool in_child = false;  // set in the child: what it runs opens files without a probe of its own

void walk(const std::string& path) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return;
  visit_object(f);
#if H5_VERSION_GE(1, 12, 0)
  H5Lvisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit_link<H5L_info2_t>, nullptr);
#else
  H5Lvisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit_link<H5L_info_t>, nullptr);
#endif
  H5Fclose(f);
}

}  // namespace

// A reader opens its file several times (its checks in a child, then for real): the walk is made
// once per file as it is now (path, size, modification time), not at every open.
std::mutex walked_mutex;
std::string walked_key;

std::string file_key(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return {};
  const auto time = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  return ec ? std::string() : path + '\n' + std::to_string(size) + '\n' + std::to_string(time);
}

void remember_walked(const std::string& key) {
  std::lock_guard lock(walked_mutex);
  if (!key.empty()) walked_key = key;
}

void probe_in_child(const std::string& path) {
  if (in_child) return walk(path);  // already isolated: walk here
  const std::string key = file_key(path);
  {
    std::lock_guard lock(walked_mutex);
    if (!key.empty() && key == walked_key) return;
  }
  run_isolated(path, [&] { walk(path); });
}

}  // namespace phasis::h5::detail

namespace phasis::h5 {

void run_isolated(const std::string& path, const std::function<void()>& checks) {
  if (detail::in_child) return checks();
  // The checks open the file (File::open_read): in the child that walk comes first, and the
  // parent's next open of the same file needs none of its own.
  const pid_t pid = fork();
  if (pid < 0) return;  // no process to spare: the caller reads the file as before
  if (pid == 0) {
    detail::in_child = true;
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO), dup2(null, STDOUT_FILENO);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    try {
      checks();
    } catch (...) {  // a clean rejection: the parent makes it again, with its message
    }
    _exit(0);  // no atexit handlers, no destructors of the parent's objects
  }
  // A damaged file can also make the library loop for ever (fuzz_cxi found one): the child gets
  // a time limit (PHASIS_HDF5_CHECK_SECONDS, default 30 s: a walk of a sound file's metadata takes
  // milliseconds), after which it is killed and the file refused.
  const double limit = [] {
    const char* e = std::getenv("PHASIS_HDF5_CHECK_SECONDS");
    const double v = e ? std::atof(e) : 0;
    return v > 0 ? v : 30.0;
  }();
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  long pause_us = 50;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > limit) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", limit);
      throw InputError("'" + path + "': expected a readable HDF5 file; found a damaged one (reading its metadata did not " +
                       "end within " + seconds + " s)");
    }
    usleep(useconds_t(pause_us));
    pause_us = std::min<long>(pause_us * 2, 20000);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    // The checks opened the file there, and File::open_read walked it first: walked, unchanged.
    detail::remember_walked(detail::file_key(path));
    return;
  }
  throw InputError("'" + path + "': expected a readable HDF5 file; found a damaged one (the HDF5 library crashed " +
                   "reading its metadata: " + (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                                    : "exit " + std::to_string(WEXITSTATUS(status))) +
                   ")");
}

}  // namespace phasis::h5
