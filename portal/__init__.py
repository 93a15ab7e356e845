"""The public portal: site-wide pages that draw on both domains (the home page), above archive/
and exhibitions/ and imported by neither.
"""
