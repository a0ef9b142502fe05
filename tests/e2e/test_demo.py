"""`sendpb demo` tells every family's story against the embedded platform."""
from sendpb.demo import FAMILIES, tell


async def test_the_demo_tells_each_familys_story_in_both_las(platform):
    lines: list[str] = []
    done = await tell(platform.client, out=lines.append)
    text = "\n".join(lines)
    assert done == len(FAMILIES), text
    for family in FAMILIES:
        assert f"{family.name} ({family.local_authority}): request eligible" in text
    assert "[Buckinghamshire]" in text and "[Cheshire East]" in text
    assert text.count("Paid £") == len(FAMILIES) and text.count("ICB: health funding now") == len(FAMILIES)
