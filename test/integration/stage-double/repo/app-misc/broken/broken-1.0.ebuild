# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="its build phase fails"
SLOT="0"
KEYWORDS="amd64"

src_compile() {
	# What a compiler says before the build system gives up; binpkgbot shows these last lines.
	echo "broken.c:1:1: error: expected declaration before end of file" >&2
	die "this package fails to build on purpose"
}
