// Shim for libxml2 (Debian's libxml2-dev, pkg-config libxml-2.0).
//
// Debian builds libxml2 with ICU. The ICU headers that libxml/encoding.h pulls in define
// UErrorCode differently from Foundation's copy, and a module that imports both fails with
// "'UErrorCode' has different definitions in different modules". Including xmlversion.h first
// and undefining LIBXML_ICU_ENABLED keeps ICU out of this module.
#ifndef P2PSIM_CLIBXML2_SHIM_H
#define P2PSIM_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xinclude.h>
#include <libxml/xmlsave.h>

/// `xmlFree` is a C global function pointer, which Swift 6 refuses to touch (it is mutable
/// global state); this wrapper calls it.
static inline void p2psim_xmlFree(void *pointer) {
    xmlFree(pointer);
}

#endif
