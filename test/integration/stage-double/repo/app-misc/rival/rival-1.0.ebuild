# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="cannot be installed beside app-misc/incumbent"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="!app-misc/incumbent"
