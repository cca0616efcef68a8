# Turns one file (IN) into a C string NAME in OUT, so that a binary serves it without the source tree
# (docs/admin-api.json: GET /admin/api/v1/openapi.json). Bytes as unsigned char: UTF-8 above 0x7f.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE ${OUT}.tmp "/* Generated from ${IN} by cmake/embed_file.cmake. Do not edit. */\nstatic const unsigned char bytes[] = {${hex}0x00};\nconst char *const ${NAME} = (const char *)bytes;\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
