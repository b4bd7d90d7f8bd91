"""Draw the brand images (icon and logo) for custom_components/opti_vgi/brand/.

Our own drawing: price bars over a day with a lightning bolt across them, the
idea of the product (charge in the cheap hours). Run with the dev venv's Python;
Pillow comes with Home Assistant.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components/opti_vgi/brand"
TEAL = (0, 150, 136, 255)
DARK = (0, 77, 64, 255)
AMBER = (255, 193, 7, 255)
WHITE = (255, 255, 255, 255)
CHEAP = 0.4  # bars below this height are the cheap hours, drawn in amber
BARS = (0.55, 0.8, 0.35, 0.2, 0.25, 0.6, 0.9, 0.7)


def draw_icon(size: int) -> Image.Image:
    """Draw the square icon at ``size`` pixels."""
    scale = size / 256
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (8 * scale, 8 * scale, 248 * scale, 248 * scale), 48 * scale, fill=TEAL
    )
    left, bottom, width = 40 * scale, 212 * scale, 22 * scale
    for i, height in enumerate(BARS):
        x = left + i * 23 * scale
        cheap = height < CHEAP
        draw.rectangle(
            (x, bottom - height * 150 * scale, x + width - 4 * scale, bottom),
            fill=AMBER if cheap else WHITE,
        )
    bolt = [
        (150, 28),
        (92, 132),
        (128, 132),
        (104, 228),
        (168, 112),
        (132, 112),
        (160, 28),
    ]
    draw.polygon([(x * scale, y * scale) for x, y in bolt], fill=DARK, outline=WHITE)
    return image


def draw_logo(height: int) -> Image.Image:
    """Draw the landscape logo: the icon and the name."""
    icon = draw_icon(height)
    font = ImageFont.load_default(size=int(height * 0.42))
    text = "Opti-VGI"
    box = ImageDraw.Draw(icon).textbbox((0, 0), text, font=font)
    width = height + int(height * 0.12) + (box[2] - box[0]) + int(height * 0.08)
    logo = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    logo.paste(icon, (0, 0), icon)
    ImageDraw.Draw(logo).text(
        (height + int(height * 0.12), (height - (box[3] - box[1])) // 2 - box[1]),
        text,
        font=font,
        fill=DARK,
    )
    return logo


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(parents=True, exist_ok=True)
    draw_icon(256).save(BRAND / "icon.png")
    draw_icon(512).save(BRAND / "icon@2x.png")
    draw_logo(128).save(BRAND / "logo.png")
    draw_logo(256).save(BRAND / "logo@2x.png")


if __name__ == "__main__":
    main()
