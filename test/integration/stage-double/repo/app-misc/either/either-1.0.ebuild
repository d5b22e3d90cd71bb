# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="needs exactly one of two flags, and neither is on by default"
SLOT="0"
KEYWORDS="amd64"
IUSE="left right"
REQUIRED_USE="^^ ( left right )"
