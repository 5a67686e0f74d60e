# Finds conflux's dependencies and defines the imported targets conflux links against.
# Used by the build and, installed, by confluxConfig.cmake, so a consumer's
# find_package(conflux) recreates exactly the same usage requirements.
#
# Targets: conflux::deps::petsc, ::hdf5, ::fftw, ::sundials, ::blas, plus MPI::MPI_C.
# A missing dependency stops with one line naming the Debian package and the install command.

include_guard(GLOBAL)

set(_cfx_install_hint "run `tools/install-deps` (as root) from the conflux source tree, or apt-get install")

macro(_cfx_missing what package)
  message(FATAL_ERROR "conflux: ${what} not found; ${_cfx_install_hint} ${package}")
endmacro()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  _cfx_missing("pkg-config" "pkg-config")
endif()

# PETSc: Debian's petsc-dev installs PETSc.pc for the OpenMPI build.
if(NOT TARGET conflux::deps::petsc)
  pkg_check_modules(CFX_PETSC QUIET IMPORTED_TARGET GLOBAL PETSc>=3.18)
  if(NOT CFX_PETSC_FOUND)
    _cfx_missing("PETSc >= 3.18 (pkg-config module PETSc)" "petsc-dev")
  endif()
  add_library(conflux::deps::petsc INTERFACE IMPORTED GLOBAL)
  target_link_libraries(conflux::deps::petsc INTERFACE PkgConfig::CFX_PETSC)
endif()

# MPI: the one PETSc was built with (Debian: OpenMPI).
find_package(MPI QUIET COMPONENTS C)
if(NOT MPI_C_FOUND)
  _cfx_missing("MPI (C bindings)" "libopenmpi-dev openmpi-bin")
endif()

# HDF5: the parallel (openmpi) flavour, which must match PETSc's MPI.
if(NOT TARGET conflux::deps::hdf5)
  pkg_check_modules(CFX_HDF5 QUIET IMPORTED_TARGET GLOBAL hdf5-openmpi)
  if(NOT CFX_HDF5_FOUND)
    _cfx_missing("parallel HDF5 (pkg-config module hdf5-openmpi)" "libhdf5-openmpi-dev")
  endif()
  add_library(conflux::deps::hdf5 INTERFACE IMPORTED GLOBAL)
  target_link_libraries(conflux::deps::hdf5 INTERFACE PkgConfig::CFX_HDF5)
endif()

# FFTW3 (double) and its MPI interface; the latter ships no pkg-config file.
if(NOT TARGET conflux::deps::fftw)
  pkg_check_modules(CFX_FFTW QUIET IMPORTED_TARGET GLOBAL fftw3)
  if(NOT CFX_FFTW_FOUND)
    _cfx_missing("FFTW3 (pkg-config module fftw3)" "libfftw3-dev")
  endif()
  find_library(CFX_FFTW_MPI_LIBRARY NAMES fftw3_mpi HINTS ${CFX_FFTW_LIBRARY_DIRS})
  find_path(CFX_FFTW_MPI_INCLUDE_DIR NAMES fftw3-mpi.h HINTS ${CFX_FFTW_INCLUDE_DIRS})
  if(NOT CFX_FFTW_MPI_LIBRARY OR NOT CFX_FFTW_MPI_INCLUDE_DIR)
    _cfx_missing("FFTW3 MPI (libfftw3_mpi, fftw3-mpi.h)" "libfftw3-mpi-dev")
  endif()
  add_library(conflux::deps::fftw INTERFACE IMPORTED GLOBAL)
  target_link_libraries(conflux::deps::fftw INTERFACE ${CFX_FFTW_MPI_LIBRARY} PkgConfig::CFX_FFTW)
  target_include_directories(conflux::deps::fftw INTERFACE ${CFX_FFTW_MPI_INCLUDE_DIR})
endif()

# SUNDIALS through its own CMake package: CVODE(S), ARKODE, serial and PETSc vectors.
if(NOT TARGET conflux::deps::sundials)
  find_package(SUNDIALS 6.4 QUIET COMPONENTS cvode cvodes arkode nvecserial nvecpetsc sunlinsoldense sunmatrixdense)
  if(NOT SUNDIALS_FOUND)
    _cfx_missing("SUNDIALS >= 6.4 with CVODE, CVODES, ARKODE and PETSc vectors (CMake package SUNDIALS)" "libsundials-dev")
  endif()
  add_library(conflux::deps::sundials INTERFACE IMPORTED GLOBAL)
  # CVODE and CVODES export the same symbols; the library links CVODES (a superset).
  target_link_libraries(conflux::deps::sundials INTERFACE SUNDIALS::cvodes SUNDIALS::arkode SUNDIALS::nvecserial SUNDIALS::nvecpetsc SUNDIALS::sunlinsoldense SUNDIALS::sunmatrixdense)
endif()

# BLAS (OpenBLAS, CBLAS interface) and LAPACKE.
if(NOT TARGET conflux::deps::blas)
  pkg_check_modules(CFX_OPENBLAS QUIET IMPORTED_TARGET GLOBAL openblas)
  if(NOT CFX_OPENBLAS_FOUND)
    _cfx_missing("OpenBLAS (pkg-config module openblas)" "libopenblas-dev")
  endif()
  pkg_check_modules(CFX_LAPACKE QUIET IMPORTED_TARGET GLOBAL lapacke)
  if(NOT CFX_LAPACKE_FOUND)
    _cfx_missing("LAPACKE (pkg-config module lapacke)" "liblapacke-dev")
  endif()
  add_library(conflux::deps::blas INTERFACE IMPORTED GLOBAL)
  target_link_libraries(conflux::deps::blas INTERFACE PkgConfig::CFX_LAPACKE PkgConfig::CFX_OPENBLAS)
endif()
