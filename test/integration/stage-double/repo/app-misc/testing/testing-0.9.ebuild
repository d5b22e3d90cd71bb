# A test ebuild for the emerge test double (test/integration/stage-double); never a real package.
EAPI=8
DESCRIPTION="no keywords at all"
SLOT="0"
KEYWORDS=""
