# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="needs exactly the old dev-libs/pinned"
SLOT="0"
KEYWORDS="amd64"
RDEPEND="=dev-libs/pinned-1.0"
