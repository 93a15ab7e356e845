"""The programme's figures for its annual report: items, language shares against the 15–20 %
target, exhibitions per province and abroad, QR scans and downloads — computed by services a
test calls directly, shown as server-drawn SVG charts with their tables, downloadable as CSV.

Above both domains (it reads items and exhibitions) and imported by neither.
"""
