# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="eight compile units that a -j4 build runs four at a time"
SLOT="0"
KEYWORDS="amd64"

src_compile() {
	# With MAKEOPTS=-j4 (and no jobserver) emake runs four at once; a jobserver limits it to its tokens.
	emake unit-1.o unit-2.o unit-3.o unit-4.o unit-5.o unit-6.o unit-7.o unit-8.o
}

src_install() {
	mkdir -p "${D}/usr/share/parallel" && echo "${PF}" > "${D}/usr/share/parallel/version"
}
