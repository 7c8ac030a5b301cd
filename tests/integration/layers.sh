#!/bin/sh
# layers.sh — the includes between two layers (the folders under src/) go
# one way only (issue 11.2, docs/architecture.md): fails when a file of
# layer A includes a header of layer B while a file of B includes one of A,
# and names the files on both sides.  Reads the sources, builds nothing.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
src="$top_srcdir/src"
[ -d "$src" ] || { echo "layers.sh: no source tree at $src" >&2; exit 99; }

# One line per include that crosses a folder: "FROM TO FILE".
edges=$(cd "$src" && for f in */*.c */*.h; do
	from=${f%%/*}
	sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)/.*|\1|p' "$f" |
	    sort -u | while read -r to; do
		[ "$to" != "$from" ] && echo "$from $to $f"
	done
done)
[ -n "$edges" ] || { echo "layers.sh: no includes found under $src" >&2; exit 99; }

bad=$(echo "$edges" | awk '
	{ pair[$1 " " $2] = pair[$1 " " $2] " " $3 }
	END {
		for (p in pair) {
			split(p, ab, " ")
			back = ab[2] " " ab[1]
			if ((back in pair) && ab[1] < ab[2])
				printf "%s and %s include each other:\n  %s -> %s in%s\n  %s -> %s in%s\n",
				    ab[1], ab[2], ab[1], ab[2], pair[p], ab[2], ab[1], pair[back]
		}
	}')
if [ -n "$bad" ]; then
	echo "$bad" >&2
	echo "layers.sh: make the includes go one way (move the shared declaration to the lower layer)" >&2
	exit 1
fi
# The libraries then link in one order: none is named twice in a link
# line (a library named twice means two layers call each other).
twice=$(cat "$top_srcdir/Makefile.am" "$top_srcdir"/mk/*.am | awk '
	/\\$/ { line = line " " substr($0, 1, length($0) - 1); next }
	{ line = line " " $0
	  if (line ~ /(LDADD|_LIBS)[[:space:]]*\+?=/) {
		delete seen
		n = split(line, w, /[[:space:]]+/)
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^libpt_[a-z0-9_]*\.a$/ && seen[w[i]]++ == 1)
				print w[i] " twice in:" line
	  }
	  line = "" }')
if [ -n "$twice" ]; then
	echo "$twice" >&2
	echo "layers.sh: a library named twice in a link line: two layers call each other" >&2
	exit 1
fi
n=$(echo "$edges" | awk '{ print $1, $2 }' | sort -u | wc -l)
echo "layers.sh: $n one-way dependencies between layers, no cycle of two"
