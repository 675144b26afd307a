# Fails the build when an object of the guest carries an absolute
# relocation: the image is loaded at a GPA chosen at run time.
separate_arguments(objs UNIX_COMMAND "${OBJS}")
foreach(obj ${objs})
  execute_process(COMMAND readelf -rW ${obj} OUTPUT_VARIABLE rel)
  string(REGEX MATCHALL "R_X86_64_(64|32S?|RELATIVE)[ \t]" bad "${rel}")
  if(bad)
    message(FATAL_ERROR "guest object ${obj} has absolute relocations:\n${rel}")
  endif()
endforeach()
