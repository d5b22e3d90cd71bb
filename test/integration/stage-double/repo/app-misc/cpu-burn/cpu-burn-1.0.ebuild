# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
# Its compile phase burns a fixed amount of CPU, as a real build does, and nothing else: benchmarks of
# tasks side by side (bench/parallel-jobs.ts) copy it under other names so that each task builds.
EAPI=8
DESCRIPTION="A build that is CPU-bound"
SLOT="0"
KEYWORDS="amd64"
IUSE=""

# A shell loop: single-threaded, no I/O, the same work on every run.
src_compile() {
	local i=0
	while [ "${i}" -lt 300000 ]; do i=$((i + 1)); done
	echo "${i}" > "${T}/iterations"
}

src_install() {
	mkdir -p "${D}/usr/share/${PN}" && cp "${T}/iterations" "${D}/usr/share/${PN}/iterations"
}
