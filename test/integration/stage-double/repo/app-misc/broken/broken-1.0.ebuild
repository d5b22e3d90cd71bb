# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="its build phase fails"
SLOT="0"
KEYWORDS="amd64"

src_compile() {
	die "this package fails to build on purpose"
}
