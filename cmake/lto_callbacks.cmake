# phasis_embed_lto_callbacks(target source symbol): compiles `source` (device functions for cuFFT
# LTO callbacks) to an LTO-IR fatbin with the project's nvcc and links its bytes into `target` as
#   extern "C" const unsigned char symbol[];  extern "C" const std::size_t symbol_size;
# cuFFT links the IR into its kernels when a plan is made (cufftXtSetJITCallback), through
# libnvJitLink, which libcufft loads at run time itself: nothing more to link here. LTO-IR of
# compute capability XX serves GPUs of XX and newer, so the lowest architecture built is used.
# Needs no GPU: it only compiles.
function(phasis_embed_lto_callbacks target source symbol)
  set(arch "")
  foreach(a IN LISTS CMAKE_CUDA_ARCHITECTURES)
    string(REGEX MATCH "^[0-9]+" n "${a}")
    if(NOT "${n}" STREQUAL "")
      if("${arch}" STREQUAL "" OR "${n}" LESS "${arch}")
        set(arch "${n}")
      endif()
    endif()
  endforeach()
  if("${arch}" STREQUAL "")
    set(arch 90)  # "native", "all" and the like: Hopper, the project's target
    message(STATUS "phasis: LTO callbacks for sm_${arch} (CMAKE_CUDA_ARCHITECTURES=${CMAKE_CUDA_ARCHITECTURES})")
  endif()
  get_filename_component(name "${source}" NAME_WE)
  set(fatbin "${CMAKE_CURRENT_BINARY_DIR}/lto/${name}.fatbin")
  set(embedded "${CMAKE_CURRENT_BINARY_DIR}/lto/${name}_fatbin.cpp")
  # The callbacks include the DM's element-wise headers; rebuild when any header under include/ changes.
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/include/*.hpp")
  add_custom_command(
    OUTPUT "${fatbin}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/lto"
    # Uncompressed: the fatbin goes to nvJitLink through cuFFT, not through the CUDA runtime.
    COMMAND "${CMAKE_CUDA_COMPILER}" -std=c++20 --expt-relaxed-constexpr -O3 -rdc=true -fatbin -no-compress
            -gencode "arch=compute_${arch},code=lto_${arch}" -I "${CMAKE_SOURCE_DIR}/include" -I "${CMAKE_SOURCE_DIR}/src"
            -o "${fatbin}" "${CMAKE_SOURCE_DIR}/${source}"
    DEPENDS "${CMAKE_SOURCE_DIR}/${source}" ${headers}
    COMMENT "LTO-IR fatbin of ${source} (cuFFT callbacks, sm_${arch})"
    VERBATIM)
  add_custom_command(
    OUTPUT "${embedded}"
    COMMAND "${CMAKE_COMMAND}" -DINPUT=${fatbin} -DOUTPUT=${embedded} -DSYMBOL=${symbol}
            -P "${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake"
    DEPENDS "${fatbin}" "${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake"
    COMMENT "Embedding ${name}.fatbin"
    VERBATIM)
  target_sources(${target} PRIVATE "${embedded}")
endfunction()
