# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="one slot for every version"
SLOT="0"
KEYWORDS="amd64"
