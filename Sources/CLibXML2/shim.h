/* Debian's libxml2 is built with ICU; letting its ICU types into a Swift module that also sees
   Foundation fails clean builds with "'UErrorCode' has different definitions" (while a second build
   succeeds, so only a fresh clone shows it; docs/design.md). Nothing here uses the ICU encoding handler fields, so hide them. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
