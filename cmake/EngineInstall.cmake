# The installed SDK: `cmake --install build --prefix P` puts the headers, the static libraries,
# execution-node and the CMake package ExecutionEngine (find_package(ExecutionEngine)) under P.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ENGINE_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/execution_engine)
set(ENGINE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ExecutionEngine)

# A strategy plug-in is a shared library that links the SDK's static libraries.
set_target_properties(messages config PROPERTIES POSITION_INDEPENDENT_CODE ON)

# What a strategy compiles and links against (actors/strategy.hpp, actors/strategy_plugin.hpp).
add_library(strategy_sdk INTERFACE)
target_link_libraries(strategy_sdk INTERFACE messages config)
target_compile_features(strategy_sdk INTERFACE cxx_std_17)

# Every library of this project that `nodes` and the SDK reach, found by walking their links,
# so that a library added later is exported without touching this file.
set(_todo nodes strategy_sdk)
set(_libs)
while(_todo)
  list(POP_FRONT _todo _t)
  string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _t "${_t}")
  if(NOT TARGET ${_t} OR _t IN_LIST _libs)
    continue()
  endif()
  get_target_property(_imported ${_t} IMPORTED)
  get_target_property(_alias ${_t} ALIASED_TARGET)
  if(_imported OR _alias)
    continue()
  endif()
  list(APPEND _libs ${_t})
  get_target_property(_deps ${_t} INTERFACE_LINK_LIBRARIES)
  if(_deps)
    list(APPEND _todo ${_deps})
  endif()
endwhile()

# Include paths: the source tree while building, include/execution_engine once installed.
foreach(_t ${_libs})
  get_target_property(_dirs ${_t} INTERFACE_INCLUDE_DIRECTORIES)
  set(_new "$<INSTALL_INTERFACE:${ENGINE_INSTALL_INCLUDEDIR}>")
  if(_dirs)
    foreach(_d ${_dirs})
      if(_d MATCHES "^\\$<")
        list(APPEND _new "${_d}")
      else()
        list(APPEND _new "$<BUILD_INTERFACE:${_d}>")
      endif()
    endforeach()
  endif()
  set_property(TARGET ${_t} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${_new}")
endforeach()

install(TARGETS ${_libs} EXPORT ExecutionEngineTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${ENGINE_INSTALL_INCLUDEDIR})
install(TARGETS execution-node RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT ExecutionEngineTargets NAMESPACE ExecutionEngine::
  DESTINATION ${ENGINE_INSTALL_CMAKEDIR})

# Every public header, in the tree's layout: #include "actors/strategy.hpp" works as in the repo.
install(DIRECTORY messages config actors brokers nodes
  DESTINATION ${ENGINE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(FILES config/app_config.yaml DESTINATION ${CMAKE_INSTALL_DATADIR}/execution_engine)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ExecutionEngineConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ExecutionEngineConfig.cmake
  INSTALL_DESTINATION ${ENGINE_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ExecutionEngineConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/ExecutionEngineConfig.cmake
  ${PROJECT_BINARY_DIR}/ExecutionEngineConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
  DESTINATION ${ENGINE_INSTALL_CMAKEDIR})
