# Builds TARGET in BUILD_DIR and passes only if the build fails with output matching EXPECT:
# a build that succeeds, or fails for another reason, fails the test.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} built, but the layering forbids it:\n${output}")
endif()
if(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "${TARGET} failed to build, but not with /${EXPECT}/:\n${output}")
endif()
message(STATUS "${TARGET} refused as expected")
