# Finds Python (interpreter and the headers of its extension modules) and nanobind, which pip puts
# beside the interpreter (`python3 -m nanobind --cmake_dir`). Sets PHASIS_HAVE_PYTHON; with
# PHASIS_PYTHON=ON a missing piece is an error, with AUTO the module is left out.
set(PHASIS_HAVE_PYTHON OFF)
find_package(Python 3.9 COMPONENTS Interpreter Development.Module)
if(Python_FOUND AND NOT nanobind_DIR)
  execute_process(COMMAND "${Python_EXECUTABLE}" -m nanobind --cmake_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                  OUTPUT_VARIABLE phasis_nanobind_dir RESULT_VARIABLE phasis_nanobind_rc ERROR_QUIET)
  if(phasis_nanobind_rc EQUAL 0)
    set(nanobind_DIR "${phasis_nanobind_dir}")
  endif()
endif()
if(Python_FOUND)
  find_package(nanobind CONFIG QUIET)
endif()
if(Python_FOUND AND nanobind_FOUND)
  set(PHASIS_HAVE_PYTHON ON)
elseif(PHASIS_PYTHON STREQUAL "ON")
  message(FATAL_ERROR "PHASIS_PYTHON=ON but Python's development files or nanobind were not found "
                      "(python3 -m pip install nanobind; Debian: apt install python3-dev)")
endif()
