# Helpers that keep one static library per folder and one test binary per library.

# engine_library(NAME DIR DEPS...): a static library of DIR/*.cpp (header-only allowed).
function(engine_library name dir)
  file(GLOB sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  file(GLOB headers CONFIGURE_DEPENDS ${dir}/*.hpp)
  if(NOT sources)
    # Not written yet (or header-only): an interface target keeps dependents linking.
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(${name} STATIC ${sources} ${headers})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${ENGINE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARGN})
endfunction()

# engine_test_dir(DIR LIBS...): tests/DIR/*_test.cpp as one GoogleTest binary tests_DIR.
function(engine_test_dir dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  set(name tests_${dir})
  add_executable(${name} ${sources})
  target_compile_options(${name} PRIVATE ${ENGINE_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    ENGINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" ENGINE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main ${ARGN})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
