// Paths as plain strings, for the few places the daemon composes them: its command line's
// paths made absolute, the socket's directory, the log directory's parent. std::filesystem
// would do the same, at the cost of linking its code and the locale machinery it pulls in
// (docs/performance.md, "Memory").
#pragma once

#include <string>
#include <string_view>

namespace shoal {

// "." and empty components dropped, "name/.." folded, no trailing '/': "/a//b/./c/../" is
// "/a/b". ".." above a relative path's start stays; above the root it is the root. An empty
// path, or one that folds to nothing, is ".".
std::string normal_path(std::string_view path);

// `path` after the working directory when relative, then normal; unchanged when the working
// directory cannot be read.
std::string absolute_path(std::string_view path);

// The directory a path names its last component in: "/a/b" -> "/a", "/a" -> "/", "b" -> ".".
// Of a normal path.
std::string parent_of(std::string_view path);

// The last component of a normal path: "/a/b" -> "b"; "/" -> "".
std::string leaf_of(std::string_view path);

// The working directory; empty when it cannot be read (it was removed, or is too long).
std::string current_directory();

}  // namespace shoal
